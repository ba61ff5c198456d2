"""waiting_actions: actions waiting for their round, so a round survives a restart (the Discord bot)

Revision ID: 0004
Revises: 0002 (there is no 0003: lane "talk" chained its migration as 0005 after this one)
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "waiting_actions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("game_id", sa.Integer(), sa.ForeignKey("games.id", ondelete="CASCADE"), nullable=False),
        sa.Column("player", sa.String(100), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("turn", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_waiting_actions_game_id", "waiting_actions", ["game_id"])


def downgrade() -> None:
    op.drop_index("ix_waiting_actions_game_id", "waiting_actions")
    op.drop_table("waiting_actions")
