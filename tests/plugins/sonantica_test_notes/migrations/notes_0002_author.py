"""Who wrote a note.

Revision ID: notes_0002
Revises: notes_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "notes_0002"
down_revision = "notes_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("notes_notes", sa.Column("author", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("notes_notes", "author")
