"""Decoding every format the library holds, and refusing what is not audio."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
from analysis_helpers import Recorder

from sonantica_core.analysis import AudioDecodeError, AudioDecoder, PipelineStats, run_analyzers
from sonantica_core.contract import AudioNeed
from sonantica_core.testing.signals import ENCODINGS, song, write_audio

RATE = 44100


def _tone(seconds: float = 2.0, channels: int = 2) -> np.ndarray:
    t = np.arange(int(RATE * seconds)) / RATE
    x = 0.4 * np.sin(2 * np.pi * 440.0 * t)
    return np.stack([x * (1 - 0.2 * c) for c in range(channels)], axis=1).astype(np.float32)


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
def test_every_encoding_decodes_to_the_signal(tmp_path: Path, encoding: str):
    signal = _tone()
    path = write_audio(tmp_path / "tone", signal, RATE, encoding)
    native = Recorder("native")
    run_analyzers(path, 1, [native])
    audio = native.audio()
    rate = native.info.sample_rate
    assert native.info.channels == 2
    assert abs(len(audio) / rate - 2.0) < 0.1  # encoder padding is tolerated
    # Level of each channel survives encoding (lossy codecs included).
    rms = np.sqrt(np.mean(audio[rate // 4 : -rate // 4] ** 2, axis=0))
    np.testing.assert_allclose(rms, [0.4 / np.sqrt(2), 0.32 / np.sqrt(2)], rtol=0.05)


def test_24_bit_flac_keeps_its_resolution(tmp_path: Path):
    signal = _tone(1.0) * 1e-3  # -60 dBFS: 16 bits would show the quantisation
    path = write_audio(tmp_path / "quiet", signal, RATE, "flac24")
    native = Recorder("native")
    run_analyzers(path, 1, [native])
    np.testing.assert_allclose(native.audio(), signal, atol=2.0 / 2**23)


def test_surround_layout_is_reported(tmp_path: Path):
    path = write_audio(tmp_path / "six", _tone(1.0, channels=6), RATE, "flac")
    native = Recorder("native", keep=False)
    mono = Recorder("mono", AudioNeed(mono=True))
    run_analyzers(path, 1, [native, mono])
    assert native.info.channels == 6 and native.info.channel_layout.startswith("5.1")
    expected = _tone(1.0, channels=6).mean(axis=1)
    np.testing.assert_allclose(mono.audio()[:, 0], expected, atol=4.0 / 32768)


def test_wav_without_channel_mask_gets_the_default_layout(tmp_path: Path):
    path = write_audio(tmp_path / "plain", _tone(0.5), RATE, "wav")
    with AudioDecoder(path) as decoder:
        assert decoder.format.layout == "stereo"
        assert decoder.format.channel_names == ("FL", "FR")


def _dsf_file(path: Path, seconds: float = 0.25) -> Path:
    """A DSD64 mono .dsf file of a 1 kHz tone (first-order sigma-delta)."""
    rate = 2_822_400
    n = int(rate * seconds) // 8 * 8
    target = 0.5 * np.sin(2 * np.pi * 1000.0 * np.arange(n) / rate)
    bits = np.empty(n, dtype=np.uint8)
    integrator = 0.0
    for i, value in enumerate(target):  # sequential by nature
        out = 1.0 if integrator >= 0 else -1.0
        bits[i] = out > 0
        integrator += value - out
    block = 4096
    data = np.packbits(bits, bitorder="little")  # DSF stores LSB first
    data = np.concatenate([data, np.zeros((-len(data)) % block, dtype=np.uint8)])
    fmt = struct.pack("<4sQIIIIIIQII", b"fmt ", 52, 1, 0, 1, 1, rate, 1, n, block, 0)
    body = struct.pack("<4sQ", b"data", 12 + len(data)) + data.tobytes()
    total = 28 + len(fmt) + len(body)
    header = struct.pack("<4sQQQ", b"DSD ", 28, total, 0)
    path.write_bytes(header + fmt + body)
    return path


def test_dsd_file_decodes(tmp_path: Path):
    path = _dsf_file(tmp_path / "tone.dsf")
    low = Recorder("low", AudioNeed(sample_rate=44100, mono=True))
    run_analyzers(path, 1, [low])
    assert low.info.native_sample_rate == 352800
    y = low.audio()[4410:-4410, 0]
    spectrum = np.abs(np.fft.rfft(y * np.hanning(len(y))))
    assert np.fft.rfftfreq(len(y), 1 / 44100)[np.argmax(spectrum)] == pytest.approx(1000, abs=10)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "cannot open"),
        (b"hello, this is not audio\n" * 50, "cannot"),
    ],
)
def test_undecodable_files_raise_a_clear_error(tmp_path: Path, content: bytes, reason: str):
    path = tmp_path / "broken.mp3"
    path.write_bytes(content)
    with pytest.raises(AudioDecodeError) as caught:
        run_analyzers(path, 1, [Recorder("r")])
    assert caught.value.path == path and reason in str(caught.value)


def test_missing_file_and_directory_raise_decode_errors(tmp_path: Path):
    for path in (tmp_path / "missing.flac", tmp_path):
        with pytest.raises(AudioDecodeError):
            run_analyzers(path, 1, [Recorder("r")])


def test_file_without_audio_stream(tmp_path: Path):
    import av

    path = tmp_path / "video.mkv"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("ffv1", rate=5)
        stream.width, stream.height, stream.pix_fmt = 16, 16, "yuv420p"
        for _ in range(3):
            frame = av.VideoFrame.from_ndarray(np.zeros((16, 16, 3), dtype=np.uint8), format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    with pytest.raises(AudioDecodeError, match="no audio stream"):
        run_analyzers(path, 1, [Recorder("r")])


def test_truncated_file_decodes_what_is_there(tmp_path: Path):
    path = write_audio(tmp_path / "whole", _tone(4.0), RATE, "flac")
    data = path.read_bytes()
    cut = tmp_path / "cut.flac"
    cut.write_bytes(data[: len(data) // 2])
    native = Recorder("native", keep=False)
    run_analyzers(cut, 1, [native])
    assert 1.0 < native.frames / RATE < 3.0


def _tail_lost(path: Path, keep: float, fill: bytes) -> Path:
    """The file as an interrupted download leaves it: the first part, then ``fill`` to full size."""
    data = path.read_bytes()
    n = int(len(data) * keep)
    out = path.with_name(f"lost-{fill[:1].hex() or 'cut'}{path.suffix}")
    rest = len(data) - n
    out.write_bytes(data[:n] + (fill * (rest // max(1, len(fill)) + 1))[:rest] if fill else data[:n])
    return out


@pytest.mark.parametrize(
    ("encoding", "fill", "why"),
    [
        ("flac", b"", "of the 20.0 s the file states"),  # cut short: fewer frames than STREAMINFO says
        ("mp3", b"", "of the 20.0 s the file states"),  # the LAME header states the length
        ("ogg", b"\x00", "cannot read further"),  # zeros where the rest never arrived: the demuxer raises
        ("ogg", bytes(range(256)), "cannot read further"),
    ],
)
def test_partly_decodable_files_are_analysed_with_a_note(tmp_path: Path, encoding: str, fill: bytes, why: str):
    x = song(120, 9, "minor_i_iv_V_i", 20.0, RATE)
    whole = write_audio(tmp_path / "whole", np.stack([x, 0.8 * x], 1), RATE, encoding)
    broken = _tail_lost(whole, 0.6, fill)
    native = Recorder("native", keep=False)
    stats = PipelineStats()
    results = run_analyzers(broken, 1, [native], stats=stats)
    assert 5.0 < native.frames / RATE < 14.0
    assert stats.partial is not None and why in stats.partial and stats.partial.startswith("decoded ")
    assert results["native"].extras["partial"] == stats.partial


def test_whole_files_are_not_marked_partial(tmp_path: Path):
    stats = PipelineStats()
    path = write_audio(tmp_path / "whole", _tone(4.0), RATE, "ogg")
    results = run_analyzers(path, 1, [Recorder("native", keep=False)], stats=stats)
    assert stats.partial is None and "partial" not in results["native"].extras


def test_zeros_before_any_audio_still_refuse_the_file(tmp_path: Path):
    path = tmp_path / "nothing.ogg"
    path.write_bytes(bytes(50_000))
    with pytest.raises(AudioDecodeError):
        run_analyzers(path, 1, [Recorder("r")])
