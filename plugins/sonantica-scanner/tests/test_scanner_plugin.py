"""The plugin object, accepts(), technical details of less common streams, the generator itself."""

from __future__ import annotations

import struct
import tomllib
from pathlib import Path

import av
import numpy as np
import pytest
from sonantica_scanner import __version__
from sonantica_scanner.plugin import plugin
from sonantica_scanner.scanner import MutagenScanner

from sonantica_core.contract import Scanner
from sonantica_core.testing.audio import FORMATS, AudioSpec, make_samples, write_audio

PLUGIN_DIR = Path(__file__).resolve().parents[1]


def test_plugin_object() -> None:
    assert plugin.name == "scanner"
    assert plugin.version == __version__
    scanners = plugin.register_scanners(None)
    assert len(scanners) == 1 and isinstance(scanners[0], Scanner)
    assert scanners[0].name == "scanner"


def test_entry_point_is_declared() -> None:
    project = tomllib.loads((PLUGIN_DIR / "pyproject.toml").read_text())
    assert project["project"]["entry-points"]["sonantica.plugins"] == {"scanner": "sonantica_scanner.plugin:plugin"}
    assert "mutagen>=1.47" in project["project"]["dependencies"]


@pytest.mark.parametrize(("name", "accepted"), [
    ("a.flac", True), ("A.FLAC", True), ("b.mp3", True), ("c.m4a", True), ("d.opus", True), ("e.wv", True),
    ("f.dsf", True), ("g.ape", True), ("h.wma", True), ("i.aif", True), ("cover.jpg", False),
    ("notes.txt", False), ("._a.flac", False), ("video.mp4", False), ("noext", False),
])
def test_accepts(name: str, accepted: bool) -> None:
    assert MutagenScanner().accepts(Path("x") / name) is accepted
    assert MutagenScanner().accepts_name(name) is accepted


@pytest.mark.parametrize("name", [".flac", "a.", "a..flac", "..flac", "a.b.mp3", "x.flac ", ".hidden.mp3", "a.tar.gz"])
def test_accepts_name_agrees_with_the_path_suffix(name: str) -> None:
    """The walk asks by name: the same answer as a Path's suffix gives, in the odd cases too."""
    scanner = MutagenScanner()
    assert scanner.accepts_name(name) is (not name.startswith("._") and Path(name).suffix.lower()[1:] in
                                          scanner.extensions)


def test_accepts_configurable() -> None:
    assert MutagenScanner(extensions=["mp4"]).accepts(Path("v.MP4"))
    assert not MutagenScanner(extensions=["mp4"]).accepts(Path("a.flac"))


def _riff(fmt_tag: int, bits: int, frames: bytes, channels: int = 2, rate: int = 44100) -> bytes:
    align = channels * bits // 8
    fmt = struct.pack("<HHIIHH", fmt_tag, channels, rate, rate * align, align, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(frames)) + frames
    return b"RIFF" + struct.pack("<I", len(body)) + body


def test_float_wav(tmp_path: Path) -> None:
    samples = make_samples(AudioSpec(duration=0.1)).astype("<f4").tobytes()
    (tmp_path / "f.wav").write_bytes(_riff(3, 32, samples))
    t = MutagenScanner().read("m", tmp_path, "f.wav").technical
    assert (t.codec, t.bit_depth, t.lossless, t.channels, t.sample_rate) == ("pcm_float", 32, True, 2, 44100)
    assert t.duration == pytest.approx(0.1, abs=0.001)


def test_compressed_wav_is_not_lossless(tmp_path: Path) -> None:
    (tmp_path / "a.wav").write_bytes(_riff(7, 8, bytes(8820), channels=1, rate=8000))  # mu-law
    t = MutagenScanner().read("m", tmp_path, "a.wav").technical
    assert (t.codec, t.lossless, t.bit_depth) == ("mulaw", False, None)


def test_hybrid_wavpack_needs_its_correction_file(tmp_path: Path) -> None:
    path = write_audio(tmp_path / "h.wv", "wavpack", AudioSpec(duration=0.1))
    data = bytearray(path.read_bytes())
    flags = struct.unpack_from("<I", data, 24)[0]
    struct.pack_into("<I", data, 24, flags | 0x8)  # HYBRID_FLAG
    path.write_bytes(bytes(data))
    assert MutagenScanner().read("m", tmp_path, "h.wv").technical.lossless is False
    (tmp_path / "h.wvc").write_bytes(b"wvpk")
    assert MutagenScanner().read("m", tmp_path, "h.wv").technical.lossless is True


def test_mono_24_bit_alac_and_aiff(tmp_path: Path) -> None:
    write_audio(tmp_path / "m.m4a", "alac", AudioSpec(channels=1, bit_depth=24, sample_rate=48000))
    write_audio(tmp_path / "m.aiff", "aiff", AudioSpec(channels=1, bit_depth=24, sample_rate=96000))
    scanner = MutagenScanner()
    for rel, codec in (("m.m4a", "alac"), ("m.aiff", "pcm")):
        t = scanner.read("m", tmp_path, rel).technical
        assert (t.codec, t.channels, t.bit_depth, t.lossless) == (codec, 1, 24, True)


DECODABLE = sorted(k for k, f in FORMATS.items() if f.decodable)


@pytest.mark.parametrize("fmt", DECODABLE)
def test_generated_audio_decodes_with_known_properties(tmp_path: Path, fmt: str) -> None:
    """testing_audio writes what it says: FFmpeg decodes it at the asked rate, channels and length,
    and the loudest frequency of the first channel is the asked one (PCM-like formats)."""
    info = FORMATS[fmt]
    spec = AudioSpec(duration=0.4, frequency=1000.0, sample_rate=info.fixed_rate or 44100)
    path = write_audio(tmp_path / f"x.{info.extension}", fmt, spec)
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        blocks = [frame.to_ndarray() for frame in container.decode(stream)]
        rate, channels = stream.codec_context.sample_rate, stream.codec_context.channels
    if fmt in ("dsf", "dff"):
        assert rate in (2822400, 352800)  # FFmpeg may decode DSD to PCM at rate / 8
        return
    assert (rate, channels) == (spec.sample_rate, spec.channels)
    planar = np.concatenate([b if b.shape[0] == channels else b.reshape(-1, channels).T for b in blocks], axis=1)
    assert planar.shape[1] / rate == pytest.approx(spec.duration, abs=info.duration_tolerance + 0.03)
    if info.lossless:
        x = planar[0].astype(np.float64)
        peak = np.argmax(np.abs(np.fft.rfft(x))) * rate / len(x)
        assert peak == pytest.approx(spec.frequency, abs=10)


def test_scanner_pickles_for_worker_processes(tmp_path: Path) -> None:
    """The core hands scanners to a process pool; a warm scanner (with caches) must pickle."""
    import pickle

    write_audio(tmp_path / "a.flac", "flac", AudioSpec(duration=0.1), {"title": "t"})
    (tmp_path / "cover.png").write_bytes(b"not really a png")
    scanner = MutagenScanner(separators=[";", ","])
    first = scanner.read("m", tmp_path, "a.flac")
    clone = pickle.loads(pickle.dumps(scanner))
    assert clone.read("m", tmp_path, "a.flac") == first
    assert clone.splitter.split(["A, B"]) == ("A", "B")
