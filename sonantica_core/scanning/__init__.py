"""Scanning the media roots into the library: walk, compare, read, ingest."""
