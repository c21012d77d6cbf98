"""The hub's database: an engine set up for SQLite or PostgreSQL, and its migrations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, Insert, Table, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url


def _prefer_psycopg(url: str) -> str:
    """postgresql://... means psycopg 3, the driver the hub installs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def connect(url: str) -> Engine:
    url = _prefer_psycopg(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi: Any, _record: Any) -> None:
            dbapi.isolation_level = None  # transactions begin where SQLAlchemy says
            dbapi.execute("PRAGMA journal_mode=WAL")
            dbapi.execute("PRAGMA foreign_keys=ON")
            dbapi.execute("PRAGMA synchronous=NORMAL")

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Connection) -> None:
            # Take the write lock at the start, so two requests never deadlock upgrading.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    # No pre-ping (a round trip per request): a dropped connection fails one request with
    # 503 and Retry-After, and the pool replaces it.
    return create_engine(url, pool_size=10, max_overflow=10, pool_recycle=1800)


def insert_or_skip(dialect: str, table: Table, *keys: str) -> Insert:
    """INSERT ... ON CONFLICT (keys) DO NOTHING in the named dialect: a duplicate is
    skipped inside the transaction, with no savepoint and no error to recover from."""
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=list(keys))
    return sqlite.insert(table).on_conflict_do_nothing(index_elements=list(keys))


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", "outreach.hub:migrations")
    config.attributes["engine"] = engine
    return config


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """On PostgreSQL, one process migrates while the others wait (SQLite locks the file)."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(74032101)"))
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(74032101)"))
            conn.commit()


def migrate(engine: Engine) -> None:
    """Bring the database to the newest schema; safe to call from every process at start."""
    with _migration_lock(engine):
        command.upgrade(alembic_config(engine), "head")
