"""The decode-once analysis engine.

``run_analyzers(path, track_id, analyzers)`` decodes a file once with PyAV and
feeds every analyzer the form of audio it declared; see :mod:`.pipeline`.
:mod:`.framing` has helpers that analyzer plugins share.
"""

from .decode import AudioDecoder, DecodeStats, StreamFormat
from .errors import AudioDecodeError
from .pipeline import DEFAULT_BLOCK_SECONDS, PipelineStats, run_analyzers

__all__ = [
    "DEFAULT_BLOCK_SECONDS",
    "AudioDecodeError",
    "AudioDecoder",
    "DecodeStats",
    "PipelineStats",
    "StreamFormat",
    "run_analyzers",
]
