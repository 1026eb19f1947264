"""Favourites (what the mixes start from): played often, or starred, or rated 4–5; not a low rating."""

from __future__ import annotations

import datetime as dt

from sonantica_core.db.playback import PlaybackHistory
from sonantica_core.library import userdata
from sonantica_core.listening.favourites import FAVOURITE_PLAYS, loved_tracks


async def test_stars_and_good_ratings_make_favourites_without_plays(core, make_user, lib) -> None:
    user, _ = await make_user()
    other, _ = await make_user()
    now = dt.datetime.now(dt.UTC)
    async with core.session() as session:
        for i in range(FAVOURITE_PLAYS):
            session.add(PlaybackHistory(user_id=user.id, track_id=lib["a1"], played_at=now - dt.timedelta(hours=i),
                                        completed=True, duration_played=200.0))
        await userdata.star(session, user.id, "track", lib["b1"])
        await userdata.set_rating(session, user.id, "track", lib["g1"], 5)
        await userdata.set_rating(session, user.id, "track", lib["g2"], 2)  # a low rating is not love
        await userdata.star(session, other.id, "track", lib["d1"])  # someone else's star
    async with core.session() as session:
        loved = await loved_tracks(session, user.id)
    assert list(loved) == [lib["a1"], *sorted((lib["b1"], lib["g1"]))]
    assert loved[lib["a1"]] == FAVOURITE_PLAYS and loved[lib["b1"]] == 0
