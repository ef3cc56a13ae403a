"""alerts keep only the project foreign key

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23 18:30:00.000000

The library, advisory and organization of an alert stop being foreign keys
(``models.alerts.Alert`` says why). SQLite drops a constraint by rebuilding the table,
and dropping the old ``alerts`` table deletes its rows first, which cascades to
``alert_events``: the history is set aside and put back around the rebuild.
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_DROPPED = (
    ("fk_alerts_library_id_libraries", "libraries", "library_id"),
    ("fk_alerts_advisory_id_advisories", "advisories", "advisory_id"),
    ("fk_alerts_org_id_organizations", "organizations", "org_id"),
)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("CREATE TEMP TABLE kept_alert_events AS SELECT * FROM alert_events")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        for name, _, _ in _DROPPED:
            batch_op.drop_constraint(name, type_="foreignkey")
    if sqlite:
        op.execute("DELETE FROM alert_events")  # what the cascade left, if it left any
        op.execute("INSERT INTO alert_events SELECT * FROM temp.kept_alert_events")
        op.execute("DROP TABLE temp.kept_alert_events")


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("CREATE TEMP TABLE kept_alert_events AS SELECT * FROM alert_events")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        for name, table, column in _DROPPED:
            batch_op.create_foreign_key(name, table, [column], ["id"], ondelete="CASCADE")
    if sqlite:
        op.execute("DELETE FROM alert_events")
        op.execute("INSERT INTO alert_events SELECT * FROM temp.kept_alert_events")
        op.execute("DROP TABLE temp.kept_alert_events")
