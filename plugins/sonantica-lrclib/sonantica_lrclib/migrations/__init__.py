"""Alembic revisions of the lrclib plugin (lineage ``lrclib``, table ``alembic_version_lrclib``)."""
