"""Persistence of cases: SQLAlchemy mapping, unit of work, migrations, the evidence folder."""
