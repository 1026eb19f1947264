"""What analysis found: features, embeddings, extensible metadata, per-analyzer state."""

from __future__ import annotations

import datetime as dt

from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from sonantica_core.db.base import Base, utcnow_column


class TrackAudioFeatures(Base):
    """One row per track; columns are filled by whichever analyzers ran."""

    __tablename__ = "track_audio_features"
    #: Tempo listings and filters in keyset order (migration 0003).
    __table_args__ = (
        Index("ix_track_audio_features_bpm_track_id", "bpm", "track_id"),
        # Smart playlist rules over how tracks sound (migration 0010).
        Index("ix_track_audio_features_energy", "energy"),
        Index("ix_track_audio_features_danceability", "danceability"),
        Index("ix_track_audio_features_loudness_lufs", "loudness_lufs"),
        Index("ix_track_audio_features_mode_bpm", "mode", "bpm"),
    )

    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), primary_key=True)
    bpm: Mapped[float | None] = mapped_column(Float, index=True)
    bpm_confidence: Mapped[float | None] = mapped_column(Float)
    key: Mapped[str | None] = mapped_column(String(8))  # "A", "F#"
    mode: Mapped[str | None] = mapped_column(String(8))  # "major", "minor"
    camelot_key: Mapped[str | None] = mapped_column(String(4), index=True)  # "8A"
    key_confidence: Mapped[float | None] = mapped_column(Float)
    loudness_lufs: Mapped[float | None] = mapped_column(Float)
    loudness_range_lu: Mapped[float | None] = mapped_column(Float)
    true_peak_dbtp: Mapped[float | None] = mapped_column(Float)
    sample_peak: Mapped[float | None] = mapped_column(Float)
    replaygain_track_gain: Mapped[float | None] = mapped_column(Float)
    replaygain_track_peak: Mapped[float | None] = mapped_column(Float)
    replaygain_album_gain: Mapped[float | None] = mapped_column(Float)
    replaygain_album_peak: Mapped[float | None] = mapped_column(Float)
    danceability: Mapped[float | None] = mapped_column(Float)
    energy: Mapped[float | None] = mapped_column(Float)
    mood_happy: Mapped[float | None] = mapped_column(Float)
    mood_aggressive: Mapped[float | None] = mapped_column(Float)
    mood_party: Mapped[float | None] = mapped_column(Float)
    mood_relaxed: Mapped[float | None] = mapped_column(Float)
    instrumental: Mapped[float | None] = mapped_column(Float)
    acoustic: Mapped[float | None] = mapped_column(Float)
    tonal: Mapped[float | None] = mapped_column(Float)
    analysis_source: Mapped[str | None] = mapped_column(Text)
    analyzed_at: Mapped[dt.datetime] = utcnow_column(onupdate=True)


class TrackEmbedding(Base):
    """A vector describing how a track sounds, made by one model.

    The column has no fixed dimension because each model has its own; each model
    gets its own HNSW cosine index over ``vector::vector(<dim>)`` restricted to
    its rows (see :func:`sonantica_core.db.embeddings.ensure_model_index`).
    """

    __tablename__ = "track_embeddings"
    __table_args__ = (UniqueConstraint("track_id", "model", "embedding_type"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), index=True, nullable=False)
    model: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    embedding_type: Mapped[str] = mapped_column(String(16), nullable=False, server_default="audio")
    source: Mapped[str] = mapped_column(String(100), nullable=False)  # the plugin that made it
    dimension: Mapped[int] = mapped_column(Integer, nullable=False)
    vector: Mapped[list[float]] = mapped_column(Vector(), nullable=False)
    created_at: Mapped[dt.datetime] = utcnow_column()
    #: The version of the model that made the vector (migration 0013).
    model_version: Mapped[str] = mapped_column(String(50), nullable=False, server_default="1")
    #: For models standardised over the library: the vector as made; ``vector`` holds its z-scores.
    raw_vector: Mapped[list[float] | None] = mapped_column(Vector())


class EmbeddingStats(Base):
    """Per model: the library mean and spread the stored z-scores were computed with."""

    __tablename__ = "embedding_stats"

    model: Mapped[str] = mapped_column(String(100), primary_key=True)
    dimension: Mapped[int] = mapped_column(Integer, nullable=False)
    count: Mapped[int] = mapped_column(Integer, nullable=False)
    mean: Mapped[list[float]] = mapped_column(Vector(), nullable=False)
    std: Mapped[list[float]] = mapped_column(Vector(), nullable=False)
    updated_at: Mapped[dt.datetime] = utcnow_column()


class TrackMetadata(Base):
    """Extensible key/value facts about a track, each with its source."""

    __tablename__ = "track_metadata"
    __table_args__ = (UniqueConstraint("track_id", "key", "source"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), index=True, nullable=False)
    key: Mapped[str] = mapped_column(String(100), nullable=False)
    value: Mapped[str] = mapped_column(Text, nullable=False)
    source: Mapped[str] = mapped_column(String(100), nullable=False)
    updated_at: Mapped[dt.datetime] = utcnow_column(onupdate=True)


class TrackAnalysis(Base):
    """Per track and analyzer: which version ran, when, and whether it failed."""

    __tablename__ = "track_analysis"

    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), primary_key=True)
    analyzer: Mapped[str] = mapped_column(String(100), primary_key=True, index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)  # done, failed
    error: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str | None] = mapped_column(Text)  # JSON kept for album-level passes
    seconds: Mapped[float | None] = mapped_column(Float)
    analyzed_at: Mapped[dt.datetime] = utcnow_column(onupdate=True)


class TrackFingerprint(Base):
    """An acoustic fingerprint, for finding the same recording in other files."""

    __tablename__ = "track_fingerprints"

    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), primary_key=True)
    algorithm: Mapped[str] = mapped_column(String(32), nullable=False)
    fingerprint: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    duration: Mapped[float | None] = mapped_column(Float)
    #: Index terms for finding duplicates (uint32 array, see ``analysis.duplicates.fingerprint_terms``);
    #: None until computed.
    terms: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = utcnow_column()
