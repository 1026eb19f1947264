"""Transcoding with PyAV: Opus (Ogg), MP3, AAC (ADTS) and FLAC, exact seeking, a cache, caps.

The stream route calls :func:`serve_transcode` when a request asks for a format, a bitrate, a
profile, a ``timeOffset`` or ReplayGain (:func:`parse_request`); other front ends ask the route
for one with :meth:`TranscodeRequest.query_string`. The modules: ``formats`` (the outputs),
``request`` (the parameters), ``plan`` (caps → what is made), ``probe``, ``gain``, ``encoder``
(the PyAV pipeline), ``job`` (a running transcode), ``cache`` (finished ones), ``service``
(the process's jobs and caps), ``serve`` (the HTTP answer).
"""

from .encoder import Cancelled, EncodeResult, Sink, encode
from .errors import BadTranscodeRequest, SourceUnreadable, TranscodeBusy, TranscodeError
from .formats import FORMATS, OutputFormat, format_named
from .gain import apply_gain, gain_factor
from .plan import Caps, Plan, SourceInfo, caps_for, plan_transcode
from .probe import probe_source
from .request import PARAMETERS, TranscodeRequest, asks_transcode, parse_request
from .serve import TrackSource, serve_transcode
from .service import Transcoder, get_transcoder

__all__ = [
    "FORMATS",
    "PARAMETERS",
    "BadTranscodeRequest",
    "Cancelled",
    "Caps",
    "EncodeResult",
    "OutputFormat",
    "Plan",
    "Sink",
    "SourceInfo",
    "SourceUnreadable",
    "TrackSource",
    "TranscodeBusy",
    "TranscodeError",
    "TranscodeRequest",
    "Transcoder",
    "apply_gain",
    "asks_transcode",
    "caps_for",
    "encode",
    "format_named",
    "gain_factor",
    "get_transcoder",
    "parse_request",
    "plan_transcode",
    "probe_source",
    "serve_transcode",
]
