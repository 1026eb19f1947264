"""Similar tracks, sonic paths, radio, harmonic next and a third-party recommender, through the API."""

from __future__ import annotations

import itertools

import numpy as np
from families import FAMILIES, MEMBERS, RATE
from sonantica_similarity import MODEL
from sonantica_similarity.plugin import SimilarityPlugin
from sqlalchemy import text

from sonantica_core.analysis.store import upsert_features
from sonantica_core.contract import Recommender, ScoredTrack
from sonantica_core.db.embeddings import index_name, vectors_of, write_embedding
from sonantica_core.plugins import Plugin, hookimpl


async def _families(core) -> dict[int, str]:
    family_of = {}
    for family, make in FAMILIES.items():
        for tonic, seed in MEMBERS:
            track_id = await core.add_audio(make(tonic, seed), RATE, artist=f"{family}-{seed}", title=family)
            report = await core.analyze(track_id)
            assert report.status["similarity"] == "done", report.errors
            family_of[track_id] = family
    return family_of


async def test_family_members_are_each_others_nearest_and_paths_move_towards_the_end(plugin_app) -> None:
    async with plugin_app(SimilarityPlugin()) as core:
        family_of = await _families(core)
        for track_id, family in family_of.items():
            response = await core.client.get(f"/api/tracks/{track_id}/similar", params={"limit": 2})
            assert response.status_code == 200, response.text
            found = response.json()["tracks"]
            assert [family_of[t["track"]["id"]] for t in found] == [family, family]
            assert all(0 < t["score"] <= 1 and "similar sound" in t["why"] for t in found)

        rock = [t for t, f in family_of.items() if f == "rock"]
        piano = [t for t, f in family_of.items() if f == "piano"]
        response = await core.client.get("/api/path", params={"from": rock[0], "to": piano[0], "steps": 5})
        assert response.status_code == 200, response.text
        path = [t["track"]["id"] for t in response.json()["tracks"]]
        assert path[0] == rock[0] and path[-1] == piano[0] and len(set(path)) == len(path) <= 6
        async with core.ctx.session() as session:
            vectors = await vectors_of(session, MODEL, path)
        end = vectors[piano[0]] / np.linalg.norm(vectors[piano[0]])
        distances = [1 - float(vectors[t] @ end / np.linalg.norm(vectors[t])) for t in path]
        assert all(b < a for a, b in itertools.pairwise(distances)), distances


async def test_the_knn_query_walks_the_models_hnsw_index(plugin_app) -> None:
    async with plugin_app(SimilarityPlugin()) as core:
        async with core.ctx.session() as session:
            for i in range(30):
                track_id = await core.add_track(f"t{i}")
                vector = np.random.default_rng(i).standard_normal(16).astype(np.float32)
                await write_embedding(session, track_id, "test", "tiny-16", vector)
        async with core.ctx.session() as session:
            await session.execute(text("SET LOCAL enable_seqscan = off"))  # a tiny table: force the choice
            plan = "\n".join(
                row[0] for row in await session.execute(text(
                    "EXPLAIN SELECT track_id FROM track_embeddings WHERE model = 'tiny-16' "
                    "ORDER BY (vector::vector(16)) <=> CAST(:v AS vector(16)) LIMIT 5"
                ), {"v": "[" + ",".join(["0.1"] * 16) + "]"})
            )
        assert index_name("tiny-16") in plan, plan


async def test_standardised_vectors_are_z_scores_of_the_library(plugin_app) -> None:
    async with plugin_app(SimilarityPlugin()) as core:
        raw = np.array([[1.0, 100.0], [3.0, 300.0], [5.0, 500.0]], dtype=np.float32)
        ids = [await core.add_track(f"t{i}") for i in range(3)]
        async with core.ctx.session() as session:
            for track_id, vector in zip(ids, raw, strict=True):
                await write_embedding(session, track_id, "test", "desc-2", vector, standardise=True)
        async with core.ctx.session() as session:
            stored = await vectors_of(session, "desc-2", ids)
        expected = (raw - raw.mean(axis=0)) / raw.std(axis=0)
        np.testing.assert_allclose([stored[t] for t in ids], expected, rtol=1e-4, atol=1e-4)


async def _vector_library(core, artists: int = 8, per_artist: int = 6) -> dict[int, str]:
    """Tracks by several artists on a circle of directions: neighbours are of other artists too."""
    artist_of = {}
    async with core.ctx.session() as session:
        for a in range(artists):
            for k in range(per_artist):
                track_id = await core.add_track(f"a{a}-{k}", artist=f"artist {a}", album=f"album {a}-{k % 2}")
                angle = 2 * np.pi * (a * per_artist + k) / (artists * per_artist)
                vector = np.array([np.cos(angle), np.sin(angle), 0.2, 0.1], dtype=np.float32)
                await write_embedding(session, track_id, "similarity", MODEL, vector)
                artist_of[track_id] = f"artist {a}"
    return artist_of


async def test_radio_never_repeats_in_its_window_and_spreads_artists(plugin_app) -> None:
    async with plugin_app(SimilarityPlugin()) as core:
        artist_of = await _vector_library(core)
        first = next(iter(artist_of))
        response = await core.client.post("/api/radio", json={"seed": {"kind": "track", "id": first}, "window": 30})
        assert response.status_code == 201, response.text
        radio = response.json()["id"]
        played = [first]
        for _ in range(4):
            response = await core.client.get(f"/api/radio/{radio}/next", params={"n": 5})
            assert response.status_code == 200, response.text
            played += [t["track"]["id"] for t in response.json()["tracks"]]
        assert len(played) == 21
        for i in range(len(played)):
            window = played[max(0, i - 29) : i]
            assert played[i] not in window
        for a, b in itertools.pairwise(played):
            assert artist_of[a] != artist_of[b]

        skipped = played[-1]
        response = await core.client.post(f"/api/radio/{radio}/feedback", json={"track_id": skipped, "action": "skip"})
        assert response.status_code == 200
        stranger = await core.client.get(f"/api/radio/{radio}/next", headers={"Authorization": "Bearer nope"})
        assert stranger.status_code == 401


async def test_harmonic_next_offers_only_compatible_keys_and_tempi(plugin_app) -> None:
    async with plugin_app(SimilarityPlugin()) as core:
        keys_and_tempi = [("8A", 124.0), ("8A", 130.0), ("9A", 120.0), ("7A", 62.0), ("8B", 248.0), ("10A", 124.0),
                          ("3B", 124.0), ("8A", 100.0), ("9B", 124.0)]
        ids = []
        async with core.ctx.session() as session:
            seed = await core.add_track("seed")
            await upsert_features(session, seed, {"camelot_key": "8A", "bpm": 124.0})
            for i, (key, bpm) in enumerate(keys_and_tempi):
                track_id = await core.add_track(f"t{i}")
                await upsert_features(session, track_id, {"camelot_key": key, "bpm": bpm})
                ids.append(track_id)
        response = await core.client.get(f"/api/tracks/{seed}/harmonic")
        assert response.status_code == 200, response.text
        found = {t["track"]["id"] for t in response.json()["tracks"]}
        # 130 is +4.8 %, 62 the half, 248 the double; 10A and 3B are far on the wheel, 9B is neither, 100 too slow
        assert found == set(ids[:5])


class Favourites(Recommender):
    """A third party's recommender: always proposes one track."""

    name = "favourites"
    purposes = ("similar",)

    def __init__(self) -> None:
        self.track_id = 0

    async def recommend(self, seed, context):
        return [ScoredTrack(self.track_id, 1.0, "a favourite of the house")]


class FavouritesPlugin(Plugin):
    name = "favourites"
    version = "1.0"

    def __init__(self) -> None:
        self.recommender = Favourites()

    @hookimpl
    def register_recommenders(self, ctx=None):
        return [self.recommender]


async def test_a_third_party_recommender_takes_part_in_the_merge(plugin_app) -> None:
    third = FavouritesPlugin()
    async with plugin_app(SimilarityPlugin(), third) as core:
        artist_of = await _vector_library(core, artists=2, per_artist=4)
        ids = list(artist_of)
        third.recommender.track_id = ids[-1]
        response = await core.client.get(f"/api/tracks/{ids[0]}/similar", params={"limit": 3})
        assert response.status_code == 200, response.text
        found = {t["track"]["id"]: t for t in response.json()["tracks"]}
        assert ids[-1] in found
        assert "a favourite of the house" in found[ids[-1]]["why"]
        assert "favourites" in found[ids[-1]]["sources"]
