"""characters.attitude and the conversation log (NPCs converse, issue #11)

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("characters") as batch:
        batch.add_column(sa.Column("attitude", sa.String(length=20), nullable=False, server_default="neutral"))
    # saves made before attitudes: monsters and anyone fighting the party are hostile, the party friendly
    op.execute("UPDATE characters SET attitude = 'hostile' WHERE disposition = 'hostile' OR kind = 'monster'")
    op.execute("UPDATE characters SET attitude = 'friendly' WHERE in_party")
    op.create_table(
        "conversation_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("game_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("turn", sa.Integer(), nullable=False),
        sa.Column("speaker", sa.String(length=64), nullable=False),
        sa.Column("listener", sa.String(length=64), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=True),
        sa.Column("manner", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("asked", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["game_id"], ["games.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("game_id", "seq"),
    )
    with op.batch_alter_table("conversation_lines") as batch:
        batch.create_index(batch.f("ix_conversation_lines_game_id"), ["game_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("conversation_lines") as batch:
        batch.drop_index(batch.f("ix_conversation_lines_game_id"))
    op.drop_table("conversation_lines")
    with op.batch_alter_table("characters") as batch:
        batch.drop_column("attitude")
