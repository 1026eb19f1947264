"""Notes about tracks.

Revision ID: notes_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "notes_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notes_notes",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("track_id", sa.BigInteger(), sa.ForeignKey("tracks.id", ondelete="CASCADE"), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("notes_notes")
