"""Alembic revisions of the scrobble plugin (lineage ``scrobble``, table ``alembic_version_scrobble``)."""
