"""One current version per summary id: a unique index on the current version of an id,
after repairing the ids that versions stored side by side on PostgreSQL left with two
current versions or an older one current (the newest becomes current, with its links).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# The columns used here, as they are at this revision (not the tables of later code).
_summaries = sa.table(
    "summaries",
    sa.column("pk", sa.Integer),
    sa.column("summary_id", sa.String),
    sa.column("version", sa.Integer),
    sa.column("team_id", sa.Integer),
    sa.column("user_id", sa.Integer),
    sa.column("is_current", sa.Boolean),
    sa.column("body", sa.Text),
)
_mentions = sa.table(
    "team_mentions",
    *(
        sa.column(name)
        for name in (
            "summary_pk",
            "team_id",
            "kind",
            "key",
            "label",
            "user_id",
            "person_ref",
            "contact_at",
        )
    ),
)


def upgrade() -> None:
    _repair(op.get_bind())
    with op.batch_alter_table("summaries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_summaries_one_current",
            ["summary_id"],
            unique=True,
            sqlite_where=sa.text("is_current"),
            postgresql_where=sa.text("is_current"),
        )


def downgrade() -> None:
    with op.batch_alter_table("summaries", schema=None) as batch_op:
        batch_op.drop_index("ix_summaries_one_current")


def _repair(conn: sa.Connection) -> None:
    """Make the newest version of each id current and it alone, and count the team's links
    from it, as a submission does."""
    from outreach.contract.summary import Summary
    from outreach.hub.submit import mention_rows

    s = _summaries.c
    newest = (
        sa.select(s.summary_id, sa.func.max(s.version).label("newest"))
        .group_by(s.summary_id)
        .subquery()
    )
    wrong = (
        sa.select(s.summary_id)
        .join(newest, newest.c.summary_id == s.summary_id)
        .where(
            sa.or_(
                sa.and_(s.version == newest.c.newest, s.is_current == sa.false()),
                sa.and_(s.version < newest.c.newest, s.is_current == sa.true()),
            )
        )
        .distinct()
    )
    for summary_id in conn.execute(wrong).scalars().all():
        rows = conn.execute(
            sa.select(s.pk, s.version, s.team_id, s.user_id, s.body).where(
                s.summary_id == summary_id
            )
        ).all()
        top = max(rows, key=lambda row: row.version)
        conn.execute(
            sa.delete(_mentions).where(_mentions.c.summary_pk.in_([row.pk for row in rows]))
        )
        conn.execute(
            sa.update(_summaries)
            .where(s.summary_id == summary_id, s.pk != top.pk)
            .values(is_current=False)
        )
        conn.execute(sa.update(_summaries).where(s.pk == top.pk).values(is_current=True))
        links = mention_rows(
            top.pk, top.team_id, top.user_id, Summary.model_validate_json(top.body)
        )
        if links:
            conn.execute(sa.insert(_mentions), links)
