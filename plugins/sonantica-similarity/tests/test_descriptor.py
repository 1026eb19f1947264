"""The sonic descriptor: fixed length, bounded, and families of generated music apart."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from families import FAMILIES, MEMBERS, RATE
from sonantica_similarity import MODEL, SonicAnalyzer
from sonantica_similarity.features import DIMENSION, LAYOUT, SonicDescriptor

from sonantica_core.contract import AudioInfo


def describe(x: np.ndarray) -> np.ndarray | None:
    session = SonicAnalyzer().start(AudioInfo(1, Path("x"), RATE, 1, "mono", None, RATE, 1))
    for i in range(0, len(x), RATE * 5):
        session.feed(x[i : i + RATE * 5, None])
    result = session.finish()
    return result.embeddings[0].vector if result.embeddings else None


def test_the_vector_has_the_documented_layout() -> None:
    vector = describe(FAMILIES["rock"](0, 1))
    assert vector is not None and vector.dtype == np.float32
    assert len(vector) == DIMENSION == sum(n for _, n in LAYOUT)
    assert np.all(np.isfinite(vector))


def test_the_embedding_asks_to_be_standardised() -> None:
    session = SonicAnalyzer().start(AudioInfo(1, Path("x"), RATE, 1, "mono", None, RATE, 1))
    session.feed(FAMILIES["club"](0, 1)[:, None])
    (embedding,) = session.finish().embeddings
    assert embedding.model == MODEL and embedding.standardise and embedding.version == "1"


def test_silence_and_very_short_audio_give_no_vector() -> None:
    assert describe(np.zeros(RATE * 10, dtype=np.float32)) is None
    assert describe(FAMILIES["rock"](0, 1)[: RATE // 2]) is None


def test_block_size_does_not_change_the_vector() -> None:
    x = FAMILIES["piano"](5, 2)
    whole, pieces = SonicDescriptor(), SonicDescriptor()
    whole.feed(x)
    for i in range(0, len(x), 777):
        pieces.feed(x[i : i + 777])
    np.testing.assert_allclose(whole.vector(), pieces.vector(), rtol=1e-4, atol=1e-5)


def test_only_the_first_max_seconds_count() -> None:
    x = FAMILIES["club"](0, 1)
    short = SonicDescriptor(max_seconds=10.0)
    short.feed(x)
    head = SonicDescriptor()
    head.feed(x[: RATE * 10])
    assert short.seconds == 10.0
    np.testing.assert_allclose(short.vector(), head.vector(), rtol=1e-4, atol=1e-5)


def test_tempo_dimension_follows_the_drums() -> None:
    names = [name for name, count in LAYOUT for _ in range(count)]
    rhythm = names.index("rhythm")
    club, rock = describe(FAMILIES["club"](0, 1)), describe(FAMILIES["rock"](0, 1))
    assert club is not None and rock is not None
    tempo = {name: 60 * 2 ** float(v[rhythm + 3]) for name, v in (("club", club), ("rock", rock))}
    assert min(abs(tempo["club"] / t - 1) for t in (128, 64, 256)) < 0.05
    assert min(abs(tempo["rock"] / t - 1) for t in (96, 48, 192)) < 0.05


def test_each_member_is_nearest_its_family_after_standardising() -> None:
    names, vectors = [], []
    for family, make in FAMILIES.items():
        for tonic, seed in MEMBERS:
            names.append(family)
            vectors.append(describe(make(tonic, seed)))
    v = np.array(vectors, dtype=np.float64)
    z = (v - v.mean(axis=0)) / np.maximum(v.std(axis=0), 1e-4)
    u = z / np.linalg.norm(z, axis=1, keepdims=True)
    similarity = u @ u.T
    for i, family in enumerate(names):
        nearest = np.argsort(-similarity[i])[1:3]
        assert [names[j] for j in nearest] == [family, family], (family, [names[j] for j in nearest])
