"""A local MusicBrainz (its XML web service, as musicbrainzngs reads it) and Cover Art Archive, on 127.0.0.1."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from PIL import Image

from sonantica_core.testing.fakeservice import FakeAnswer, FakeRequest


def release_xml(release: dict[str, Any], *, score: int | None = None) -> str:
    """One ``<release>`` element in MusicBrainz's mmd-2.0 form."""
    score_attr = f' ns2:score="{score}"' if score is not None else ""
    tracks = "".join(
        f'<track id="{release["id"]}-t{n}"><position>{n}</position><length>{int(length * 1000)}</length>'
        f'<recording id="{release["id"]}-rec{n}"><title>{escape(title)}</title>'
        f"<length>{int(length * 1000)}</length></recording></track>"
        for n, (title, length) in enumerate(release["tracks"], start=1)
    )
    return (
        f'<release id="{release["id"]}"{score_attr}><title>{escape(release["title"])}</title>'
        f"<status>Official</status><date>{release['date']}</date><country>{release['country']}</country>"
        f'<artist-credit><name-credit><artist id="{release["artist_id"]}" type="Group">'
        f"<name>{escape(release['artist'])}</name><sort-name>{escape(release['sort_name'])}</sort-name>"
        f"</artist></name-credit></artist-credit>"
        f'<release-group id="{release["group_id"]}" type="Album"><title>{escape(release["title"])}</title>'
        f"<primary-type>Album</primary-type></release-group>"
        f'<label-info-list><label-info><label id="l-{release["id"]}"><name>{escape(release["label"])}</name>'
        f"</label></label-info></label-info-list>"
        f'<genre-list><genre count="3"><name>{escape(release["genre"])}</name></genre></genre-list>'
        f'<medium-list count="1"><medium><position>1</position><track-list count="{len(release["tracks"])}">'
        f"{tracks}</track-list></medium></medium-list></release>"
    )


def metadata(inner: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><metadata xmlns="http://musicbrainz.org/ns/mmd-2.0#" '
        f'xmlns:ns2="http://musicbrainz.org/ns/ext#-2.0">{inner}</metadata>'
    ).encode()


def png(width: int = 64, height: int = 64) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 60)).save(buffer, "PNG")
    return buffer.getvalue()


def release(id: str, title: str, artist: str, tracks: list[tuple[str, float]], **extra: Any) -> dict[str, Any]:
    data = {"id": id, "title": title, "artist": artist, "sort_name": f"{artist}, The", "artist_id": f"a-{id}",
            "group_id": f"g-{id}", "date": "1999-05-04", "country": "GB", "label": "Label One",
            "genre": "trip hop", "tracks": tracks}
    data.update(extra)
    return data


@dataclass
class FakeMusicBrainz:
    """Releases it knows, front covers by release id, and knobs to misbehave."""

    releases: dict[str, dict[str, Any]] = field(default_factory=dict)
    covers: dict[str, bytes] = field(default_factory=dict)
    #: Answer MusicBrainz requests with this instead (a 503 storm, garbage, a slow answer).
    broken: FakeAnswer | None = None
    cover_type: str = "image/png"
    url: str = ""

    def answer(self, request: FakeRequest) -> FakeAnswer:
        if request.path.startswith("/ws/2/"):
            return self.broken or self._ws(request)
        return self._caa(request)

    def _ws(self, request: FakeRequest) -> FakeAnswer:
        if request.path == "/ws/2/release/":
            query = request.params.get("query", "").casefold()
            found = [r for r in self.releases.values() if r["title"].casefold().split()[0] in query]
            inner = "".join(release_xml(r, score=100 - 5 * n) for n, r in enumerate(found))
            return FakeAnswer(200, metadata(f'<release-list count="{len(found)}" offset="0">{inner}</release-list>'),
                              "application/xml")
        mbid = request.path.removeprefix("/ws/2/release/")
        if mbid not in self.releases:
            return FakeAnswer(404, metadata("<error><text>Not Found</text></error>"), "application/xml")
        return FakeAnswer(200, metadata(release_xml(self.releases[mbid])), "application/xml")

    def _caa(self, request: FakeRequest) -> FakeAnswer:
        if request.path.startswith("/release/"):
            mbid = request.path.removeprefix("/release/")
            if mbid not in self.covers:
                return FakeAnswer(404, b"No cover art found.", "text/plain")
            image = f"{self.url}/images/{mbid}.png"
            listing = {"images": [{"front": True, "image": image, "thumbnails": {"1200": image, "500": image}}],
                       "release": f"https://musicbrainz.org/release/{mbid}"}
            return FakeAnswer(200, json.dumps(listing).encode())
        if request.path.startswith("/images/"):
            mbid = request.path.removeprefix("/images/").removesuffix(".png")
            return FakeAnswer(200, self.covers[mbid], self.cover_type)
        return FakeAnswer(404, b"", "text/plain")
