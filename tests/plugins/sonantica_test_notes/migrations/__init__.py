"""Revisions of the notes plugin."""
