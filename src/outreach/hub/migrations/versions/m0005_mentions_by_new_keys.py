"""Team-wide links keyed by the normalisers' new rules: registrations misread or from
other countries, profile addresses and numbers given as handles, apostrophes, and
non-answers ("unknown", "?") that no longer link anyone. Every current version's
``team_mentions`` are made again from its stored body, as a submission makes them, so
summaries sent before and after link with each other.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# The columns used here, as they are at this revision (not the tables of later code).
_summaries = sa.table(
    "summaries",
    sa.column("pk", sa.Integer),
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
_BATCH = 500


def upgrade() -> None:
    from outreach.contract.summary import Summary
    from outreach.hub.submit import mention_rows

    conn = op.get_bind()
    s = _summaries.c
    current = sa.select(s.pk, s.team_id, s.user_id, s.body).where(s.is_current == sa.true())
    rows = conn.execute(current.order_by(s.pk)).all()
    for start in range(0, len(rows), _BATCH):
        batch = rows[start : start + _BATCH]
        conn.execute(
            sa.delete(_mentions).where(_mentions.c.summary_pk.in_([row.pk for row in batch]))
        )
        links = [
            link
            for row in batch
            for link in mention_rows(
                row.pk, row.team_id, row.user_id, Summary.model_validate_json(row.body)
            )
        ]
        if links:
            conn.execute(sa.insert(_mentions), links)


def downgrade() -> None:
    pass  # the old keys are not kept; links made by the new rules stay
