"""``depvault alerts list|ignore|resolve|reactivate``: alerts of a scope, over HTTP.

``list`` reads Active alerts (``get<Scope>Alerts``, or ``…AlertsByType`` with
``--type``) or Ignored ones (``get<Scope>IgnoredAlerts``), then narrows by severity.
Status changes go through ``setAlertsStatus``, so the server's rules decide: depvault
resolves an alert itself when its cause goes away, and refuses a person's "Resolved"
with a message that says so.
"""

from __future__ import annotations

from typing import Any

import typer

from depvault.cli.common import fail
from depvault.cli.remote.client import Server, client_command
from depvault.cli.remote.output import JSON, answer
from depvault.cli.remote.scope import SCOPE, parse_scope

app = typer.Typer(help="Alerts of a scope (over HTTP).", no_args_is_help=True)

STATUSES = {"active": "", "ignored": "Ignored"}
SEVERITIES = ("critical", "high", "medium", "low")
_COLUMNS = [
    ("alertUuid", "uuid"),
    ("type", "type"),
    ("severity", "severity"),
    ("libraryName", "library"),
    ("project", "project"),
    ("status", "status"),
    ("description", "description"),
]


def _severity(alert: dict[str, Any]) -> str:
    vulnerability = alert.get("vulnerability") or {}
    return str(vulnerability.get("severity") or "").lower()


@app.command("list")
@client_command
def list_command(
    server: Server,
    org: str,
    scope: str = SCOPE,
    alert_type: str | None = typer.Option(
        None, "--type", help="SECURITY_VULNERABILITY, NEW_MAJOR_VERSION, … (all types if omitted)."
    ),
    severity: str | None = typer.Option(None, help="critical, high, medium or low."),
    status: str = typer.Option("active", help="active or ignored."),
    json_output: bool = JSON,
) -> None:
    """List the alerts of the organization, a product or a project."""
    if status.lower() not in STATUSES:
        fail(f"--status {status!r}: expected {' or '.join(STATUSES)}")
    if severity is not None and severity.lower() not in SEVERITIES:
        fail(f"--severity {severity!r}: expected {', '.join(SEVERITIES)}")
    where = parse_scope(server, org, scope)
    if status.lower() == "ignored":
        found = server.call(f"get{where.noun}IgnoredAlerts", **where.params())["alerts"]
    elif alert_type:
        found = server.call(f"get{where.noun}AlertsByType", alertType=alert_type, **where.params())[
            "alerts"
        ]
    else:
        found = server.call(f"get{where.noun}Alerts", **where.params())["alerts"]
    alerts = [
        a
        for a in found
        if (alert_type is None or a["type"] == alert_type)
        and (severity is None or _severity(a) == severity.lower())
    ]
    rows = [
        {
            **a,
            "severity": _severity(a),
            "libraryName": a["library"].get("filename") or a["library"].get("name"),
        }
        for a in alerts
    ]
    answer({"alerts": alerts}, json_output, rows, _COLUMNS, "alerts")


def _change(status: str) -> Any:
    def command(
        server: Server,
        org: str,
        uuids: list[str] = typer.Argument(..., help="Alert uuids (from `alerts list`)."),
        comment: str = typer.Option(..., "--comment", help="Why (kept in the history)."),
        json_output: bool = JSON,
    ) -> None:
        done = server.call(
            "setAlertsStatus", orgToken=org, alertUuids=uuids, status=status, comments=comment
        )
        row = {"alerts": len(uuids), "status": status, "message": done.get("message", "")}
        answer(
            row,
            json_output,
            [row],
            [("alerts", "alerts"), ("status", "status"), ("message", "result")],
        )

    command.__doc__ = f"Set alerts {status}, with a comment."
    return client_command(command)


app.command("ignore")(_change("Ignored"))
app.command("reactivate")(_change("Active"))
app.command("resolve")(_change("Resolved"))
