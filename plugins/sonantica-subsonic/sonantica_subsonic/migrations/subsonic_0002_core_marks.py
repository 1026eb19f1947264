"""Stars and ratings move to the core's marks (``track_annotations``, ``album_annotations``,
``artist_annotations``), shared with the web player, the API and smart playlists.

Every row is copied (an item marked in both keeps the earlier star and the core's rating),
then the plugin's own tables go. Going down copies them back.

Revision ID: subsonic_0002
Revises: subsonic_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "subsonic_0002"
down_revision = "subsonic_0001"
branch_labels = None
depends_on = None

#: Subsonic's kind → the core's table and item column.
_CORE = (("tr", "track_annotations", "track_id"), ("al", "album_annotations", "album_id"),
         ("ar", "artist_annotations", "artist_id"))


def upgrade() -> None:
    for kind, table, item in _CORE:
        op.execute(
            f"""
            INSERT INTO {table} (user_id, {item}, starred_at, rating)
            SELECT coalesce(s.user_id, r.user_id), coalesce(s.item_id, r.item_id), s.starred_at, r.rating
            FROM (SELECT * FROM subsonic_stars WHERE kind = '{kind}') s
            FULL JOIN (SELECT * FROM subsonic_ratings WHERE kind = '{kind}') r
              ON r.user_id = s.user_id AND r.item_id = s.item_id
            WHERE EXISTS (SELECT 1 FROM {item[:-3]}s i WHERE i.id = coalesce(s.item_id, r.item_id))
            ON CONFLICT (user_id, {item}) DO UPDATE SET
              starred_at = CASE
                WHEN {table}.starred_at IS NULL THEN excluded.starred_at
                WHEN excluded.starred_at IS NULL THEN {table}.starred_at
                ELSE least({table}.starred_at, excluded.starred_at) END,
              rating = coalesce({table}.rating, excluded.rating)
            """
        )
    op.drop_table("subsonic_ratings")
    op.drop_table("subsonic_stars")


def downgrade() -> None:
    for name, extra in (
        ("subsonic_stars", sa.Column("starred_at", sa.DateTime(timezone=True), nullable=False,
                                     server_default=sa.func.now())),
        ("subsonic_ratings", sa.Column("rating", sa.SmallInteger(), nullable=False)),
    ):
        checks = [sa.CheckConstraint("kind IN ('tr', 'al', 'ar')", name=f"ck_{name}_kind")]
        if name == "subsonic_ratings":
            checks.append(sa.CheckConstraint("rating BETWEEN 1 AND 5", name="ck_subsonic_ratings_rating"))
        op.create_table(
            name,
            sa.Column("user_id", sa.BigInteger(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
            sa.Column("kind", sa.String(2), primary_key=True),
            sa.Column("item_id", sa.BigInteger(), primary_key=True),
            extra,
            *checks,
        )
    for kind, table, item in _CORE:
        op.execute(
            f"INSERT INTO subsonic_stars (user_id, kind, item_id, starred_at) "
            f"SELECT user_id, '{kind}', {item}, starred_at FROM {table} WHERE starred_at IS NOT NULL"
        )
        op.execute(
            f"INSERT INTO subsonic_ratings (user_id, kind, item_id, rating) "
            f"SELECT user_id, '{kind}', {item}, rating FROM {table} WHERE rating IS NOT NULL"
        )
