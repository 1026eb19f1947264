"""LRC text, read by the core's reader (shared with every lyrics source)."""

from sonantica_core.text.lrc import parse_lrc, plain_from_lrc

__all__ = ["parse_lrc", "plain_from_lrc"]
