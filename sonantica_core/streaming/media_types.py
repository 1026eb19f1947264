"""Content-Type of audio files by extension.

Chosen for what browsers' ``<audio>`` elements and common players accept: Opus is sent as
``audio/ogg`` (its container; ``audio/opus`` is the RTP type and is refused by some players,
while Chromium, Firefox and Safari all play ``audio/ogg`` Opus), ALAC and AAC in MP4 as
``audio/mp4``, raw ADTS AAC as ``audio/aac``. Unknown extensions get
``application/octet-stream``; the bytes are served all the same.
"""

from __future__ import annotations

import os

__all__ = ["AUDIO_TYPES", "content_type_for"]

AUDIO_TYPES: dict[str, str] = {
    "flac": "audio/flac",
    "mp3": "audio/mpeg",
    "mp2": "audio/mpeg",
    "m4a": "audio/mp4",
    "m4b": "audio/mp4",
    "mp4": "audio/mp4",
    "alac": "audio/mp4",
    "aac": "audio/aac",
    "ogg": "audio/ogg",
    "oga": "audio/ogg",
    "opus": "audio/ogg",
    "spx": "audio/ogg",
    "wav": "audio/wav",
    "wave": "audio/wav",
    "aif": "audio/aiff",
    "aiff": "audio/aiff",
    "aifc": "audio/aiff",
    "wv": "audio/x-wavpack",
    "ape": "audio/x-ape",
    "dsf": "audio/x-dsf",
    "dff": "audio/x-dff",
    "mka": "audio/x-matroska",
    "webm": "audio/webm",
    "wma": "audio/x-ms-wma",
    "mpc": "audio/x-musepack",
    "tta": "audio/x-tta",
    "caf": "audio/x-caf",
    "mid": "audio/midi",
    "midi": "audio/midi",
}

_DEFAULT = "application/octet-stream"


def content_type_for(path: str | os.PathLike[str]) -> str:
    """Content-Type for a file name, by its extension (case-insensitive)."""
    _, ext = os.path.splitext(os.fspath(path))
    return AUDIO_TYPES.get(ext[1:].lower(), _DEFAULT)
