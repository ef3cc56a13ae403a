"""Persistence: SQLAlchemy models, migrations, and the queries the domain needs."""
