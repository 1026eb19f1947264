"""Cached answers follow the user's own changes and the library's, and are never another user's."""

from __future__ import annotations

from sonantica_core.bus.library import bump_generation


async def test_cached_answers_follow_changes(library) -> None:
    album = (await library.call("getAlbumList2", type="alphabeticalByName"))["albumList2"]["album"][0]
    song = (await library.call("getAlbum", id=album["id"]))["album"]["song"][0]
    assert (await library.call("getStarred2"))["starred2"] == {"artist": [], "album": [], "song": []}
    await library.call("star", id=song["id"])
    assert [s["id"] for s in (await library.call("getStarred2"))["starred2"]["song"]] == [song["id"]]
    before = (await library.call("getSong", id=song["id"]))["song"]["playCount"]
    await library.call("scrobble", id=song["id"])
    assert (await library.call("getSong", id=song["id"]))["song"]["playCount"] == before + 1
    # a play recorded through the core's API reaches the cached answers too
    await library.harness.client.post("/api/history", json={"track_id": int(song["id"][3:]), "completed": True},
                                      headers={"Authorization": (await _bearer(library))})
    assert (await library.call("getSong", id=song["id"]))["song"]["playCount"] == before + 2
    # another user asking the same question gets their own answer
    other = {"u": library.other_username, "p": library.other_app_password, "f": "json"}
    response = await library.harness.client.get("/rest/getStarred2", params=other)
    assert response.json()["subsonic-response"]["starred2"]["song"] == []
    # a library change drops everything
    from sonantica_core.http.responsecache import get_response_cache

    await bump_generation(library.ctx)
    await get_response_cache(library.ctx).refresh(library.ctx)
    assert len(get_response_cache(library.ctx)) == 0


async def _bearer(library) -> str:
    from sonantica_core.auth.sessions import access_token_for
    from sonantica_core.db.users import User

    async with library.ctx.session() as session:
        user = await session.get(User, library.user_id)
    return f"Bearer {access_token_for(library.ctx, user)[0]}"
