"""The hub's tables, in SQLAlchemy Core: one definition for SQLite and PostgreSQL.

Times are stored as fixed-width ISO 8601 text in UTC, so they sort and compare the same
in both databases. Alembic's migrations in ``migrations/versions`` create exactly these;
``tests/hub/test_migrations.py`` checks that the two agree.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

metadata = MetaData()

Stamp = String(32)

teams = Table(
    "teams",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(80), nullable=False, unique=True),
    Column("created_at", Stamp, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(80), nullable=False, unique=True),
    Column("team_id", Integer, ForeignKey("teams.id"), nullable=False),
    Column("role", String(16), nullable=False),  # worker, lead, admin
    Column("created_at", Stamp, nullable=False),
)

enrolment_codes = Table(
    "enrolment_codes",
    metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("created_at", Stamp, nullable=False),
    Column("expires_at", Stamp, nullable=False),
    Column("used_at", Stamp),
)

devices = Table(
    "devices",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("secret_hash", String(64), nullable=False),
    Column("label", String(80), nullable=False, server_default=""),
    Column("created_at", Stamp, nullable=False),
    Column("revoked_at", Stamp),
    Column("last_seen_at", Stamp),
    # A fixed one-minute window per device: the window's number and requests in it.
    Column("rate_window", BigInteger, nullable=False, server_default="0"),
    Column("rate_count", Integer, nullable=False, server_default="0"),
    # Every running number up to this one has arrived: a receipt counts the device's
    # numbers from here, not from 1 (raised by the submission that closes a gap).
    Column("seq_floor", BigInteger, nullable=False, server_default="0"),
)

device_seqs = Table(
    "device_seqs",
    metadata,
    Column("device_id", String(32), ForeignKey("devices.id"), primary_key=True),
    Column("seq", BigInteger, primary_key=True),
)

summaries = Table(
    "summaries",
    metadata,
    Column("pk", Integer, primary_key=True),
    Column("summary_id", String(32), nullable=False),
    Column("version", Integer, nullable=False),
    Column("team_id", Integer, ForeignKey("teams.id"), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("device_id", String(32), ForeignKey("devices.id"), nullable=False),
    Column("received_at", Stamp, nullable=False),
    Column("contact_at", Stamp, nullable=False),
    Column("worry_rank", Integer, nullable=False),  # the worry, -1 when not given
    Column("is_current", Boolean, nullable=False),
    Column("reviewed", Boolean, nullable=False, server_default="0"),
    Column("body_hash", String(64), nullable=False),
    Column("body", Text, nullable=False),  # the summary as validated, canonical JSON
    UniqueConstraint("summary_id", "version", name="uq_summary_version"),
    Index("ix_summaries_team_list", "team_id", "is_current", "worry_rank", "pk"),
    Index("ix_summaries_user", "user_id", "is_current"),
    Index("ix_summaries_team_feed", "team_id", "pk"),  # a lead's feed, by seq
    # One current version per id, whatever submissions race (see ``submit``).
    Index(
        "ix_summaries_one_current",
        "summary_id",
        unique=True,
        sqlite_where=text("is_current"),
        postgresql_where=text("is_current"),
    ),
)

# What a team's list is filtered by: the young people's references ("person") and the
# concerns ("concern") of each summary, in one table so a submission writes them at once.
summary_tags = Table(
    "summary_tags",
    metadata,
    Column("summary_pk", Integer, ForeignKey("summaries.pk"), primary_key=True),
    Column("kind", String(8), primary_key=True),
    Column("value", String(64), primary_key=True),
    Index("ix_summary_tags_value", "kind", "value"),
)

# One row per (normalised mention, young person) of each current summary: what team-wide
# links are counted from. Rows of a superseded version are removed with it.
team_mentions = Table(
    "team_mentions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("summary_pk", Integer, ForeignKey("summaries.pk"), nullable=False),
    Column("team_id", Integer, ForeignKey("teams.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("key", String(200), nullable=False),
    Column("label", String(200), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("person_ref", String(64), nullable=False),  # "" when no young person was named
    Column("contact_at", Stamp, nullable=False),
    Index("ix_team_mentions_key", "team_id", "kind", "key"),
    Index("ix_team_mentions_summary", "summary_pk"),
)

idempotency = Table(
    "idempotency",
    metadata,
    Column("device_id", String(32), ForeignKey("devices.id"), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("body_hash", String(64), nullable=False),  # of the request as parsed
    Column("status", Integer, nullable=False),
    Column("response", Text, nullable=False),  # the answer, replayed for the same body
    Column("created_at", Stamp, nullable=False),
    Index("ix_idempotency_created", "created_at"),
)

reviews = Table(
    "reviews",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("summary_pk", Integer, ForeignKey("summaries.pk"), nullable=False),
    Column("reviewer_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("comment", Text, nullable=False),
    Column("questions", Text, nullable=False),  # a JSON list
    Column("reason", Text, nullable=False),
    Column("recorded_at", Stamp, nullable=False),
    Index("ix_reviews_summary", "summary_pk"),
)

lead_reads = Table(
    "lead_reads",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("summary_pk", Integer, ForeignKey("summaries.pk"), nullable=False),
    Column("read_at", Stamp, nullable=False),
    Column("how", String(16), nullable=False),  # list, history, review, feed or links
)

hub_secrets = Table(
    "hub_secrets",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("value", Text, nullable=False),
)
