"""Sonántica stem separator with Demucs (the htdemucs family): neural, GPU when there is one."""

__version__ = "0.1.0"
