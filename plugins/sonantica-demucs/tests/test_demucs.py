"""The Demucs plumbing with a small HTDemucs of random weights (never a download): weights found
in a file, a folder or the torch cache, chunks with overlap, shapes, the FLAC files; and the
plugin's status when the weights are missing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch is not installed (pip install torch demucs)")
pytest.importorskip("demucs.htdemucs", reason="demucs is not installed (pip install --no-deps demucs)")

import soundfile  # noqa: E402
from demucs.htdemucs import HTDemucs  # noqa: E402
from sonantica_demucs.plugin import DemucsPlugin  # noqa: E402
from sonantica_demucs.separator import DemucsSeparator  # noqa: E402
from sonantica_demucs.weights import WeightsNotFound, WeightsSource, cached_files, find_weights  # noqa: E402

from sonantica_core.stems import jobs  # noqa: E402

RATE = 44100
SOURCES = ["drums", "bass", "other", "vocals"]
SEGMENT = 2.0


def tiny_model() -> HTDemucs:
    torch.manual_seed(0)
    return HTDemucs(sources=SOURCES, channels=8, depth=2, t_layers=1, t_heads=2, bottom_channels=0, nfft=512,
                    dconv_depth=1, segment=SEGMENT, t_hidden_scale=1.0).eval()


@pytest.fixture(scope="module")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("weights") / "tiny.th"
    model = tiny_model()
    args, kwargs = model._init_args_kwargs  # what demucs.states.serialize_model writes, without its extras
    torch.save({"klass": HTDemucs, "args": args, "kwargs": kwargs, "state": model.state_dict()}, path)
    return path


def test_weights_are_found_in_a_file_a_folder_or_the_torch_cache(model_file: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    assert find_weights("htdemucs", str(model_file)) == WeightsSource("file", model_file, "htdemucs")
    with pytest.raises(WeightsNotFound, match="no such file or folder"):
        find_weights("htdemucs", str(tmp_path / "nothing"))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    with pytest.raises(WeightsNotFound, match=r"955717e8-8726e21a\.th"):
        find_weights("htdemucs", None)  # says which file to put where; downloads nothing
    [name] = cached_files("htdemucs")
    checkpoints = tmp_path / "torch" / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True)
    (checkpoints / name).write_bytes(b"")
    assert find_weights("htdemucs", None).kind == "cache"


def test_a_chunk_is_separated_as_the_model_does(model_file: Path) -> None:
    separator = DemucsSeparator(WeightsSource("file", model_file, "tiny"), stems=SOURCES, device="cpu",
                                segment=SEGMENT)
    chunk = (np.random.default_rng(0).standard_normal((int(SEGMENT * RATE), 2)) * 0.1).astype(np.float32)
    out = separator.separate(chunk)
    assert list(out) == SOURCES and all(a.shape == chunk.shape and a.dtype == np.float32 for a in out.values())
    mix = torch.from_numpy(chunk.T.copy())[None]
    mono = mix.mean(dim=1)
    with torch.inference_mode():
        expected = tiny_model()((mix - mono.mean()) / mono.std())[0] * mono.std() + mono.mean()
    np.testing.assert_allclose(out["vocals"], expected[3].numpy().T, atol=1e-4)


async def test_the_core_separates_a_track_with_demucs_in_overlapping_chunks(plugin_app, model_file: Path) -> None:
    async with plugin_app(DemucsPlugin(), config={"demucs": {"weights": str(model_file), "segment": SEGMENT,
                                                              "device": "cpu"}}) as core:
        assert core.status("demucs") == "enabled"
        [separator] = core.manager.stem_separators()
        assert separator.quality == "neural" and separator.chunk_seconds == SEGMENT
        assert separator.overlap_seconds == pytest.approx(0.5)
        fed: list[int] = []
        original = separator.separate
        separator.separate = lambda chunk: fed.append(len(chunk)) or original(chunk)
        t = np.arange(5 * RATE) / RATE
        music = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
        track = await core.add_audio(np.stack([music, music], axis=1), RATE)
        await core.client.post(f"/api/tracks/{track}/stems", json={"separator": "demucs"})
        assert await core.run_task(jobs.separate_track, track, "demucs") == "ready"
        step = int(SEGMENT * RATE) - int(0.5 * RATE)
        assert fed[:-1] == [int(SEGMENT * RATE)] * (len(fed) - 1) and len(fed) == 3  # 0-2 s, 1.5-3.5 s, 3-5 s
        assert sum(fed) - 2 * (int(SEGMENT * RATE) - step) == 5 * RATE
        folder = core.ctx.settings.data_dir / "stems" / str(track) / "demucs"
        for name in SOURCES:
            samples, rate = soundfile.read(str(folder / f"{name}.flac"))
            assert rate == RATE and samples.shape == (5 * RATE, 2)


async def test_without_weights_the_plugin_says_so_and_is_left_out(plugin_app, tmp_path: Path) -> None:
    async with plugin_app(DemucsPlugin(), config={"demucs": {"weights": str(tmp_path / "missing.th")}}) as core:
        assert core.status("demucs") == "start error"
        assert "missing.th" in core.manager.record("demucs").error
        assert core.manager.stem_separators() == []
