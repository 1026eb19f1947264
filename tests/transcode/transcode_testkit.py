"""Helpers of the transcode tests: generated sources, decoding answers with PyAV and ffprobe."""

from __future__ import annotations

import io
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import soundfile

RATE = 44_100


def signal(seconds: float, rate: int = RATE, seed: int = 7) -> np.ndarray:
    """Stereo test music: tones that glide plus quiet noise, so every moment differs (float32)."""
    t = np.arange(int(seconds * rate)) / rate
    rng = np.random.default_rng(seed)
    left = 0.3 * np.sin(2 * np.pi * (220 + 15 * t) * t) + 0.05 * rng.standard_normal(t.size)
    right = 0.3 * np.sin(2 * np.pi * (330 + 9 * t) * t) + 0.05 * rng.standard_normal(t.size)
    return np.stack([left, right], axis=1).astype(np.float32)


def write_flac(path: Path, samples: np.ndarray, rate: int = RATE, subtype: str = "PCM_16") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(path, samples, rate, subtype=subtype, format="FLAC")
    return path


@dataclass(frozen=True)
class Decoded:
    codec: str
    rate: int
    channels: int
    samples: np.ndarray  # (n, channels) float32

    @property
    def duration(self) -> float:
        return len(self.samples) / self.rate


def decode(data: bytes) -> Decoded:
    """Decode a whole answer with PyAV."""
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(
            format="flt", layout=stream.codec_context.layout.name, rate=stream.codec_context.sample_rate
        )
        chunks = []
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1, stream.codec_context.channels))
        cc = stream.codec_context
        return Decoded(cc.name, cc.sample_rate, cc.channels, np.concatenate(chunks))


def ffprobe(path: Path) -> dict:
    """ffprobe's codec, rate, channels, and the duration its packets cover."""
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "a:0",
            "-show_streams",
            "-show_packets",
            "-of",
            "json",
            str(path),
        ],
        capture_output=True,
        check=True,
    ).stdout
    info = json.loads(out)
    stream = info["streams"][0]
    packets = info["packets"]
    last = packets[-1]
    end = float(last["pts_time"]) + float(last.get("duration_time", 0))
    start = float(packets[0]["pts_time"])
    return {
        "codec": stream["codec_name"],
        "rate": int(stream["sample_rate"]),
        "channels": int(stream["channels"]),
        "duration": end - max(start, 0.0),
        "frames": len(packets),
    }


def best_lag(reference: np.ndarray, candidate: np.ndarray, span: int) -> int:
    """The shift (samples, within ±span) at which ``candidate`` best matches ``reference`` (mono)."""
    n = min(len(reference), len(candidate)) - 2 * span
    ref = reference[span : span + n]
    scores = [float(np.dot(ref, candidate[span + lag : span + lag + n])) for lag in range(-span, span + 1)]
    return int(np.argmax(scores)) - span
