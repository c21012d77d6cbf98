"""Alembic migrations of the hub's database (run by ``outreach-hub migrate`` and at start)."""
