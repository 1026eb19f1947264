"""The core schema: users, library, playback, analysis.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import pgvector.sqlalchemy
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.create_table(
        "artists",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("sort_name", sa.Text(), nullable=True),
        sa.Column("name_folded", sa.Text(), nullable=False),
        sa.Column("musicbrainz_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_artists")),
        sa.UniqueConstraint("key", name=op.f("uq_artists_key")),
    )
    op.create_index(op.f("ix_artists_name_folded"), "artists", ["name_folded"], unique=False)
    op.create_table(
        "genres",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_folded", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_genres")),
        sa.UniqueConstraint("name_folded", name=op.f("uq_genres_name_folded")),
    )
    op.create_table(
        "scan_problems",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.Column("relative_path", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("mtime_ns", sa.BigInteger(), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scan_problems")),
        sa.UniqueConstraint("root", "relative_path", name=op.f("uq_scan_problems_root_relative_path")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("role", sa.String(length=16), server_default="user", nullable=False),
        sa.Column("disabled", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("token_generation", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("role IN ('admin', 'user')", name=op.f("ck_users_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    op.create_index("uq_users_username_lower", "users", [sa.literal_column("lower(username)")], unique=True)
    op.create_table(
        "albums",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("title_folded", sa.Text(), nullable=False),
        sa.Column("album_artist", sa.Text(), nullable=True),
        sa.Column("album_artist_id", sa.BigInteger(), nullable=True),
        sa.Column("compilation", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=True),
        sa.Column("date", sa.String(length=32), nullable=True),
        sa.Column("original_date", sa.String(length=32), nullable=True),
        sa.Column("disc_total", sa.SmallInteger(), nullable=True),
        sa.Column("musicbrainz_release_id", sa.String(length=36), nullable=True),
        sa.Column("musicbrainz_release_group_id", sa.String(length=36), nullable=True),
        sa.Column("cover_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["album_artist_id"], ["artists.id"], name=op.f("fk_albums_album_artist_id_artists"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_albums")),
        sa.UniqueConstraint("key", name=op.f("uq_albums_key")),
    )
    op.create_index(op.f("ix_albums_album_artist_id"), "albums", ["album_artist_id"], unique=False)
    op.create_index(op.f("ix_albums_title_folded"), "albums", ["title_folded"], unique=False)
    op.create_table(
        "api_keys",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_api_keys_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    op.create_index(op.f("ix_api_keys_user_id"), "api_keys", ["user_id"], unique=False)
    op.create_table(
        "app_passwords",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("secret_encrypted", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_app_passwords_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_passwords")),
    )
    op.create_index(op.f("ix_app_passwords_user_id"), "app_passwords", ["user_id"], unique=False)
    op.create_table(
        "playlists",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("public", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_playlists_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playlists")),
    )
    op.create_index(op.f("ix_playlists_user_id"), "playlists", ["user_id"], unique=False)
    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("user_agent", sa.Text(), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_refresh_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_refresh_tokens_token_hash")),
    )
    op.create_index(op.f("ix_refresh_tokens_user_id"), "refresh_tokens", ["user_id"], unique=False)
    op.create_table(
        "scan_runs",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="queued", nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("requested_by", sa.BigInteger(), nullable=True),
        sa.Column("files_seen", sa.Integer(), server_default="0", nullable=False),
        sa.Column("files_read", sa.Integer(), server_default="0", nullable=False),
        sa.Column("added", sa.Integer(), server_default="0", nullable=False),
        sa.Column("changed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("moved", sa.Integer(), server_default="0", nullable=False),
        sa.Column("removed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("problems", sa.Integer(), server_default="0", nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["users.id"], name=op.f("fk_scan_runs_requested_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scan_runs")),
    )
    op.create_table(
        "album_artists",
        sa.Column("album_id", sa.BigInteger(), nullable=False),
        sa.Column("artist_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.SmallInteger(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["album_id"], ["albums.id"], name=op.f("fk_album_artists_album_id_albums"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["artist_id"], ["artists.id"], name=op.f("fk_album_artists_artist_id_artists"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("album_id", "artist_id", name=op.f("pk_album_artists")),
    )
    op.create_index(op.f("ix_album_artists_artist_id"), "album_artists", ["artist_id"], unique=False)
    op.create_table(
        "tracks",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.Column("relative_path", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mtime_ns", sa.BigInteger(), nullable=False),
        sa.Column("content_hash", sa.String(length=80), nullable=False),
        sa.Column("container", sa.String(length=16), nullable=True),
        sa.Column("codec", sa.String(length=16), nullable=True),
        sa.Column("sample_rate", sa.Integer(), nullable=True),
        sa.Column("bit_depth", sa.SmallInteger(), nullable=True),
        sa.Column("channels", sa.SmallInteger(), nullable=True),
        sa.Column("bitrate", sa.Integer(), nullable=True),
        sa.Column("duration", sa.Float(), nullable=True),
        sa.Column("lossless", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("title_folded", sa.Text(), nullable=False),
        sa.Column("artist", sa.Text(), nullable=True),
        sa.Column("album_id", sa.BigInteger(), nullable=True),
        sa.Column("track_number", sa.SmallInteger(), nullable=True),
        sa.Column("track_total", sa.SmallInteger(), nullable=True),
        sa.Column("disc_number", sa.SmallInteger(), nullable=True),
        sa.Column("disc_total", sa.SmallInteger(), nullable=True),
        sa.Column("date", sa.String(length=32), nullable=True),
        sa.Column("original_date", sa.String(length=32), nullable=True),
        sa.Column("year", sa.SmallInteger(), nullable=True),
        sa.Column("composer", sa.Text(), nullable=True),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("isrc", sa.String(length=16), nullable=True),
        sa.Column("musicbrainz_track_id", sa.String(length=36), nullable=True),
        sa.Column("musicbrainz_recording_id", sa.String(length=36), nullable=True),
        sa.Column("lyrics", sa.Text(), nullable=True),
        sa.Column("tag_track_gain", sa.Float(), nullable=True),
        sa.Column("tag_track_peak", sa.Float(), nullable=True),
        sa.Column("tag_album_gain", sa.Float(), nullable=True),
        sa.Column("tag_album_peak", sa.Float(), nullable=True),
        sa.Column("tags_guessed", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("cover_hash", sa.String(length=64), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["album_id"], ["albums.id"], name=op.f("fk_tracks_album_id_albums"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracks")),
        sa.UniqueConstraint("root", "relative_path", name=op.f("uq_tracks_root_relative_path")),
    )
    op.create_index("ix_tracks_album_order", "tracks", ["album_id", "disc_number", "track_number", "id"], unique=False)
    op.create_index(op.f("ix_tracks_content_hash"), "tracks", ["content_hash"], unique=False)
    op.create_index("ix_tracks_present", "tracks", ["id"], unique=False, postgresql_where=sa.text("removed_at IS NULL"))
    op.create_index(op.f("ix_tracks_title_folded"), "tracks", ["title_folded"], unique=False)
    op.create_index(op.f("ix_tracks_year"), "tracks", ["year"], unique=False)
    op.create_table(
        "downloads",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("track_id", sa.BigInteger(), nullable=False),
        sa.Column("quality", sa.String(length=32), server_default="original", nullable=False),
        sa.Column("downloaded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("bytes_sent", sa.BigInteger(), nullable=True),
        sa.Column("client", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["track_id"], ["tracks.id"], name=op.f("fk_downloads_track_id_tracks"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_downloads_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_downloads")),
    )
    op.create_index(op.f("ix_downloads_track_id"), "downloads", ["track_id"], unique=False)
    op.create_index(op.f("ix_downloads_user_id"), "downloads", ["user_id"], unique=False)
    op.create_table(
        "playback_history",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("track_id", sa.BigInteger(), nullable=False),
        sa.Column("played_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("duration_played", sa.Float(), nullable=True),
        sa.Column("completed", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("client", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["track_id"], ["tracks.id"], name=op.f("fk_playback_history_track_id_tracks"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_playback_history_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playback_history")),
    )
    op.create_index(op.f("ix_playback_history_track_id"), "playback_history", ["track_id"], unique=False)
    op.create_index("ix_playback_history_user_time", "playback_history", ["user_id", "played_at"], unique=False)
    op.create_table(
        "playlist_tracks",
        sa.Column("playlist_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("track_id", sa.BigInteger(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["playlist_id"], ["playlists.id"], name=op.f("fk_playlist_tracks_playlist_id_playlists"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["track_id"], ["tracks.id"], name=op.f("fk_playlist_tracks_track_id_tracks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("playlist_id", "position", name=op.f("pk_playlist_tracks")),
    )
    op.create_index(op.f("ix_playlist_tracks_track_id"), "playlist_tracks", ["track_id"], unique=False)
    op.create_table(
        "track_analysis",
        sa.Column("track_id", sa.BigInteger(), nullable=False),
        sa.Column("analyzer", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("state", sa.Text(), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("analyzed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["track_id"], ["tracks.id"], name=op.f("fk_track_analysis_track_id_tracks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("track_id", "analyzer", name=op.f("pk_track_analysis")),
    )
    op.create_index(op.f("ix_track_analysis_analyzer"), "track_analysis", ["analyzer"], unique=False)
    op.create_table(
        "track_artists",
        sa.Column("track_id", sa.BigInteger(), nullable=False),
        sa.Column("artist_id", sa.BigInteger(), nullable=False),
        sa.Column("role", sa.String(length=16), server_default="artist", nullable=False),
        sa.Column("position", sa.SmallInteger(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["artist_id"], ["artists.id"], name=op.f("fk_track_artists_artist_id_artists"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["track_id"], ["tracks.id"], name=op.f("fk_track_artists_track_id_tracks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("track_id", "artist_id", "role", name=op.f("pk_track_artists")),
    )
    op.create_index(op.f("ix_track_artists_artist_id"), "track_artists", ["artist_id"], unique=False)
    op.create_table(
        "track_audio_features",
        sa.Column("track_id", sa.BigInteger(), nullable=False),
        sa.Column("bpm", sa.Float(), nullable=True),
        sa.Column("bpm_confidence", sa.Float(), nullable=True),
        sa.Column("key", sa.String(length=8), nullable=True),
        sa.Column("mode", sa.String(length=8), nullable=True),
        sa.Column("camelot_key", sa.String(length=4), nullable=True),
        sa.Column("key_confidence", sa.Float(), nullable=True),
        sa.Column("loudness_lufs", sa.Float(), nullable=True),
        sa.Column("loudness_range_lu", sa.Float(), nullable=True),
        sa.Column("true_peak_dbtp", sa.Float(), nullable=True),
        sa.Column("sample_peak", sa.Float(), nullable=True),
        sa.Column("replaygain_track_gain", sa.Float(), nullable=True),
        sa.Column("replaygain_track_peak", sa.Float(), nullable=True),
        sa.Column("replaygain_album_gain", sa.Float(), nullable=True),
        sa.Column("replaygain_album_peak", sa.Float(), nullable=True),
        sa.Column("danceability", sa.Float(), nullable=True),
        sa.Column("energy", sa.Float(), nullable=True),
        sa.Column("mood_happy", sa.Float(), nullable=True),
        sa.Column("mood_aggressive", sa.Float(), nullable=True),
        sa.Column("mood_party", sa.Float(), nullable=True),
        sa.Column("mood_relaxed", sa.Float(), nullable=True),
        sa.Column("instrumental", sa.Float(), nullable=True),
        sa.Column("acoustic", sa.Float(), nullable=True),
        sa.Column("tonal", sa.Float(), nullable=True),
        sa.Column("analysis_source", sa.Text(), nullable=True),
        sa.Column("analyzed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["track_id"], ["tracks.id"], name=op.f("fk_track_audio_features_track_id_tracks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("track_id", name=op.f("pk_track_audio_features")),
    )
    op.create_index(op.f("ix_track_audio_features_bpm"), "track_audio_features", ["bpm"], unique=False)
    op.create_index(op.f("ix_track_audio_features_camelot_key"), "track_audio_features", ["camelot_key"], unique=False)
    op.create_table(
        "track_embeddings",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("track_id", sa.BigInteger(), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("embedding_type", sa.String(length=16), server_default="audio", nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("dimension", sa.Integer(), nullable=False),
        sa.Column("vector", pgvector.sqlalchemy.vector.VECTOR(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["track_id"], ["tracks.id"], name=op.f("fk_track_embeddings_track_id_tracks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_track_embeddings")),
        sa.UniqueConstraint(
            "track_id", "model", "embedding_type", name=op.f("uq_track_embeddings_track_id_model_embedding_type")
        ),
    )
    op.create_index(op.f("ix_track_embeddings_model"), "track_embeddings", ["model"], unique=False)
    op.create_index(op.f("ix_track_embeddings_track_id"), "track_embeddings", ["track_id"], unique=False)
    op.create_table(
        "track_fingerprints",
        sa.Column("track_id", sa.BigInteger(), nullable=False),
        sa.Column("algorithm", sa.String(length=32), nullable=False),
        sa.Column("fingerprint", sa.LargeBinary(), nullable=False),
        sa.Column("duration", sa.Float(), nullable=True),
        sa.Column("coarse", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["track_id"], ["tracks.id"], name=op.f("fk_track_fingerprints_track_id_tracks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("track_id", name=op.f("pk_track_fingerprints")),
    )
    op.create_index(op.f("ix_track_fingerprints_coarse"), "track_fingerprints", ["coarse"], unique=False)
    op.create_table(
        "track_genres",
        sa.Column("track_id", sa.BigInteger(), nullable=False),
        sa.Column("genre_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.SmallInteger(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["genre_id"], ["genres.id"], name=op.f("fk_track_genres_genre_id_genres"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["track_id"], ["tracks.id"], name=op.f("fk_track_genres_track_id_tracks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("track_id", "genre_id", name=op.f("pk_track_genres")),
    )
    op.create_index(op.f("ix_track_genres_genre_id"), "track_genres", ["genre_id"], unique=False)
    op.create_table(
        "track_metadata",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("track_id", sa.BigInteger(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["track_id"], ["tracks.id"], name=op.f("fk_track_metadata_track_id_tracks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_track_metadata")),
        sa.UniqueConstraint("track_id", "key", "source", name=op.f("uq_track_metadata_track_id_key_source")),
    )
    op.create_index(op.f("ix_track_metadata_track_id"), "track_metadata", ["track_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_track_metadata_track_id"), table_name="track_metadata")
    op.drop_table("track_metadata")
    op.drop_index(op.f("ix_track_genres_genre_id"), table_name="track_genres")
    op.drop_table("track_genres")
    op.drop_index(op.f("ix_track_fingerprints_coarse"), table_name="track_fingerprints")
    op.drop_table("track_fingerprints")
    op.drop_index(op.f("ix_track_embeddings_track_id"), table_name="track_embeddings")
    op.drop_index(op.f("ix_track_embeddings_model"), table_name="track_embeddings")
    op.drop_table("track_embeddings")
    op.drop_index(op.f("ix_track_audio_features_camelot_key"), table_name="track_audio_features")
    op.drop_index(op.f("ix_track_audio_features_bpm"), table_name="track_audio_features")
    op.drop_table("track_audio_features")
    op.drop_index(op.f("ix_track_artists_artist_id"), table_name="track_artists")
    op.drop_table("track_artists")
    op.drop_index(op.f("ix_track_analysis_analyzer"), table_name="track_analysis")
    op.drop_table("track_analysis")
    op.drop_index(op.f("ix_playlist_tracks_track_id"), table_name="playlist_tracks")
    op.drop_table("playlist_tracks")
    op.drop_index("ix_playback_history_user_time", table_name="playback_history")
    op.drop_index(op.f("ix_playback_history_track_id"), table_name="playback_history")
    op.drop_table("playback_history")
    op.drop_index(op.f("ix_downloads_user_id"), table_name="downloads")
    op.drop_index(op.f("ix_downloads_track_id"), table_name="downloads")
    op.drop_table("downloads")
    op.drop_index(op.f("ix_tracks_year"), table_name="tracks")
    op.drop_index(op.f("ix_tracks_title_folded"), table_name="tracks")
    op.drop_index("ix_tracks_present", table_name="tracks", postgresql_where=sa.text("removed_at IS NULL"))
    op.drop_index(op.f("ix_tracks_content_hash"), table_name="tracks")
    op.drop_index("ix_tracks_album_order", table_name="tracks")
    op.drop_table("tracks")
    op.drop_index(op.f("ix_album_artists_artist_id"), table_name="album_artists")
    op.drop_table("album_artists")
    op.drop_table("scan_runs")
    op.drop_index(op.f("ix_refresh_tokens_user_id"), table_name="refresh_tokens")
    op.drop_table("refresh_tokens")
    op.drop_index(op.f("ix_playlists_user_id"), table_name="playlists")
    op.drop_table("playlists")
    op.drop_index(op.f("ix_app_passwords_user_id"), table_name="app_passwords")
    op.drop_table("app_passwords")
    op.drop_index(op.f("ix_api_keys_user_id"), table_name="api_keys")
    op.drop_table("api_keys")
    op.drop_index(op.f("ix_albums_title_folded"), table_name="albums")
    op.drop_index(op.f("ix_albums_album_artist_id"), table_name="albums")
    op.drop_table("albums")
    op.drop_index("uq_users_username_lower", table_name="users")
    op.drop_table("users")
    op.drop_table("scan_problems")
    op.drop_table("genres")
    op.drop_index(op.f("ix_artists_name_folded"), table_name="artists")
    op.drop_table("artists")
