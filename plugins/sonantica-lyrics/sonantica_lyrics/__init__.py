"""Sonántica plugin: lyrics embedded in the audio files, and ``.lrc`` sidecar files beside them."""

__version__ = "0.1.0"
