"""The ``sonantica`` command."""
