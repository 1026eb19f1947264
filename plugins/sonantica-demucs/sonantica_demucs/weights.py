"""Finding Demucs weights on this machine: a configured file or folder, or the torch cache.

Nothing is ever downloaded. ``weights`` may name

* a model file (``.th``: a Demucs package, as ``demucs.states.serialize_model`` writes it),
* or a folder holding Demucs model files and bag files (``htdemucs.yaml`` ...), a local
  repository as ``demucs --repo`` takes;

without it the torch hub cache (``$TORCH_HOME/hub/checkpoints``) is looked in for the files
Demucs would have downloaded there for ``model`` (``htdemucs``: ``955717e8-8726e21a.th``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sonantica_core.errors import SonanticaError


class WeightsNotFound(SonanticaError, FileNotFoundError):
    """No Demucs weights where the configuration (or the torch cache) says."""


@dataclass(frozen=True, slots=True)
class WeightsSource:
    """Where a model comes from: one file, a local repository, or the torch cache."""

    kind: str  # "file", "repo" or "cache"
    path: Path
    model: str

    def load(self) -> Any:
        """The model (a Demucs module or a bag of them), in eval mode, on the CPU."""
        if self.kind == "file":
            from demucs.states import load_model

            model = load_model(self.path)
        elif self.kind == "repo":
            from demucs.pretrained import get_model

            model = get_model(self.model, repo=self.path)
        else:
            from demucs.pretrained import REMOTE_ROOT, _parse_remote_files
            from demucs.repo import AnyModelRepo, BagOnlyRepo, RemoteRepo

            remote = RemoteRepo(_parse_remote_files(REMOTE_ROOT / "files.txt"))
            model = AnyModelRepo(remote, BagOnlyRepo(REMOTE_ROOT, remote)).get_model(self.model)
        model.eval()
        return model


def torch_cache() -> Path:
    import torch.hub

    return Path(torch.hub.get_dir()) / "checkpoints"


def cached_files(model: str) -> list[str]:
    """The file names Demucs keeps in the torch cache for ``model`` (a bag name or a signature)."""
    import yaml
    from demucs.pretrained import REMOTE_ROOT, _parse_remote_files

    remote = _parse_remote_files(REMOTE_ROOT / "files.txt")
    bag = REMOTE_ROOT / f"{model}.yaml"
    signatures = yaml.safe_load(bag.read_text())["models"] if bag.is_file() else [model]
    names = []
    for signature in signatures:
        if signature not in remote:
            raise WeightsNotFound(f"Demucs knows no model {model!r}")
        names.append(remote[signature].rsplit("/", 1)[-1])
    return names


def find_weights(model: str, weights: str | None) -> WeightsSource:
    """Where the weights of ``model`` are; :class:`WeightsNotFound` says where they were looked for."""
    if weights:
        path = Path(weights).expanduser()
        if path.is_file():
            return WeightsSource("file", path, model)
        if path.is_dir():
            if not (path / f"{model}.yaml").is_file() and not any(path.glob(f"{model}*.th")):
                raise WeightsNotFound(f"{path} holds no {model}.yaml nor {model}*.th")
            return WeightsSource("repo", path, model)
        raise WeightsNotFound(f"weights = {weights!r}: no such file or folder")
    cache = torch_cache()
    missing = [name for name in cached_files(model) if not (cache / name).is_file()]
    if missing:
        raise WeightsNotFound(
            f"no weights for {model}: set [plugins.demucs] weights to a model file or folder, or put "
            f"{', '.join(missing)} into {cache} (nothing is downloaded)"
        )
    return WeightsSource("cache", cache, model)
