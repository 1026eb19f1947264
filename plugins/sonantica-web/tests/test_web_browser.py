"""The web player in a real Chromium against a real server: first run, sign-in, browsing and
search, playing on the waveform, the queue, lyrics, playlists, admin, errors and weight.

Chromium is Debian's (/usr/bin/chromium), driven by Playwright through ``executable_path``;
no browser is downloaded. The tests are skipped, saying why, where either is missing.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import pytest
from conftest import browser_skip_reason
from webkit import PASSWORD, SONGS

pytestmark = pytest.mark.skipif(browser_skip_reason() is not None, reason=browser_skip_reason() or "")

if browser_skip_reason() is None:
    from playwright.async_api import expect

FIRST_LOAD_BUDGET = 250 * 1024
ACTIVE = "document.querySelector('audio[data-active]')"


async def playing_time(page: Any) -> float:
    return await page.evaluate(f"{ACTIVE} ? {ACTIVE}.currentTime : 0")


async def wait_time_past(page: Any, seconds: float, timeout: float = 20_000) -> None:
    await page.wait_for_function(f"() => {ACTIVE} && {ACTIVE}.currentTime > {seconds}", timeout=timeout)


def track_id(server: Any, title: str) -> int:
    return next(t["id"] for t in server.tracks if t["title"] == title)


async def open_album(page: Any, title: str, artist: str) -> None:
    await page.get_by_role("link", name="Albums").first.click()
    await page.get_by_role("link", name=f"{title}, {artist}").click()
    await page.get_by_role("heading", name=title, exact=True).wait_for()


async def test_first_run_creates_the_admin_who_stays_signed_in(fresh_server: Any, new_page: Any) -> None:
    page, console = await new_page()
    refreshes: list[str] = []
    page.on("request", lambda request: request.url.endswith("/api/auth/refresh") and refreshes.append(request.url))
    await page.goto(fresh_server.page)
    await page.get_by_role("heading", name="Welcome to Sonántica").wait_for()
    await page.get_by_label("Username").fill("admin")
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await page.get_by_label("Password again").fill(PASSWORD)
    await page.get_by_role("button", name="Create admin and sign in").click()
    await page.get_by_role("heading", name="Albums").wait_for()
    await expect(page.get_by_text("No albums yet")).to_be_visible()
    await expect(page.get_by_role("link", name="Admin")).to_be_visible()

    await page.reload()  # the stored session survives a reload
    await page.get_by_role("heading", name="Albums").wait_for()
    # An access token that ran out is renewed with the refresh token, without signing in again.
    await page.evaluate("""() => { const s = JSON.parse(localStorage.getItem('sonantica.session'));
        s.expiresAt = 0; localStorage.setItem('sonantica.session', JSON.stringify(s)); }""")
    await page.reload()
    await page.get_by_role("heading", name="Albums").wait_for()
    assert refreshes, "the expired access token was not renewed"

    await page.get_by_role("button", name="Sign out").click()
    await page.get_by_role("heading", name="Sign in to Sonántica").wait_for()
    assert await page.evaluate("localStorage.getItem('sonantica.session')") is None
    await page.get_by_label("Username").fill("admin")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("heading", name="Albums").wait_for()
    assert console.errors == []


async def test_search_as_you_type_forgives_accents(web_server: Any, new_page: Any, signed_in: Any) -> None:
    page, console = await new_page()
    await signed_in(page, web_server)
    search = page.get_by_role("searchbox", name="Search")
    await search.press_sequentially("corazon", delay=40)
    await expect(page.get_by_role("listitem", name="Corazón de Piedra, Lúa Ferreira")).to_be_visible()
    await search.fill("cancion de otono")
    await expect(page.get_by_role("link", name="Canción de Otoño, Lúa Ferreira")).to_be_visible()
    await search.fill("lua ferreira")
    artist = page.get_by_role("link", name=re.compile(r"^Lúa Ferreira\b.*track"))
    await expect(artist).to_be_visible()
    await artist.click()
    await page.get_by_role("heading", name="Lúa Ferreira").wait_for()
    await expect(page.get_by_role("link", name="Canción de Otoño, Lúa Ferreira")).to_be_visible()
    assert console.errors == []


async def test_play_seek_on_the_waveform_next_and_previous(web_server: Any, new_page: Any, signed_in: Any) -> None:
    page, console = await new_page()
    long_id = track_id(web_server, "Camino Largo")
    streams: list[tuple[str, str | None]] = []

    async def watch(route: Any) -> None:  # every stream request, media ones included, as the browser sends it
        streams.append((route.request.url, await route.request.header_value("range")))
        await route.continue_()

    await page.route("**/api/stream/**", watch)
    await signed_in(page, web_server)
    # A home connection, not loopback: Chromium cannot have the whole file by the time of the seek.
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("Network.enable")
    await cdp.send("Network.emulateNetworkConditions",
                   {"offline": False, "latency": 20, "downloadThroughput": 250_000, "uploadThroughput": 250_000})
    await open_album(page, "Canción de Otoño", "Lúa Ferreira")
    row = page.get_by_role("listitem", name="Corazón de Piedra, Lúa Ferreira")
    await expect(row.get_by_text("FLAC 24/96")).to_be_visible()  # the format badge of a hi-res file
    await expect(row.get_by_text("120 BPM")).to_be_visible()
    await expect(row.get_by_text("10B · D major")).to_be_visible()
    await row.click()
    await wait_time_past(page, 0.5)  # Chromium's fake audio output plays it
    player = page.get_by_role("region", name="Player")
    await expect(player.get_by_role("link", name="Corazón de Piedra")).to_be_visible()
    source = await page.evaluate(f"{ACTIVE}.src")
    session = await page.evaluate("localStorage.getItem('sonantica.session')")
    access = re.search(r'"access":"([^"]+)"', session)[1]
    assert "/api/stream/" in source and access not in source, "the stream URL must be signed, without the token"
    assert await page.evaluate("navigator.mediaSession.metadata.title") == "Corazón de Piedra"

    await player.get_by_role("button", name="Next track").click()
    await expect(player.get_by_role("link", name="Camino Largo")).to_be_visible()
    await wait_time_past(page, 0.3)
    waveform = page.locator("#waveform")
    await expect(waveform).to_have_attribute("data-track-id", str(long_id))
    await expect(waveform).to_have_attribute("data-peaks", "yes")  # drawn from /api/tracks/{id}/waveform
    box = await waveform.bounding_box()
    await page.mouse.click(box["x"] + box["width"] * 0.9, box["y"] + box["height"] / 2)
    await wait_time_past(page, 210)
    await wait_time_past(page, 210.5)  # and it plays on from there
    seeks = [
        int(match[1]) for url, header in streams
        if f"/api/stream/{long_id}" in url and header and (match := re.match(r"bytes=(\d+)-", header))
    ]
    # The media element asks with Range; whether the seek needs a request of its own depends on what
    # Chromium has read ahead by then, so what is pinned is that every request is ranged and the
    # playback lands where the waveform was clicked and plays on (the two waits above).
    assert seeks and all(header for url, header in streams if f"/api/stream/{long_id}" in url), streams
    assert await page.evaluate("navigator.mediaSession.metadata.title") == "Camino Largo"

    await player.get_by_role("button", name="Pause").click()
    assert await page.evaluate(f"{ACTIVE}.paused")
    await waveform.focus()
    at = await playing_time(page)
    await page.keyboard.press("ArrowLeft")  # the seek bar is a slider for the keyboard too
    assert await playing_time(page) == pytest.approx(at - 5, abs=0.5)
    await player.get_by_role("button", name="Previous track").click()  # to the start
    assert await playing_time(page) < 1
    await player.get_by_role("button", name="Previous track").click()  # then the track before
    await expect(player.get_by_role("link", name="Corazón de Piedra")).to_be_visible()
    await wait_time_past(page, 0.3)

    await page.get_by_role("link", name="Queue").click()
    queue = page.get_by_role("list", name="Queue")
    await expect(queue.get_by_role("listitem")).to_have_count(3)
    await queue.get_by_role("button", name="Move Camino Largo up").click()
    await expect(queue.get_by_role("listitem").nth(1)).to_contain_text("Camino Largo")
    assert console.errors == []


async def test_a_played_track_is_reported_to_the_history(web_server: Any, new_page: Any, signed_in: Any,
                                                        api_as: Any) -> None:
    page, console = await new_page()
    await signed_in(page, web_server)
    await open_album(page, "Night Drive", "The Modulars")
    await page.get_by_role("listitem", name="Short Circuit, The Modulars").click()
    await wait_time_past(page, 0.2)
    await page.wait_for_function(f"() => {ACTIVE} && {ACTIVE}.ended", timeout=20_000)
    client = await api_as(web_server, "ana")
    async with client:
        deadline = time.monotonic() + 10
        while True:
            history = (await client.get("/api/history")).json()["history"]
            done = [e for e in history if e["title"] == "Short Circuit" and e["completed"]]
            if done or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.3)
    assert done and done[0]["client"] == "Sonántica web" and done[0]["duration_played"] > 3
    await page.get_by_role("link", name="History").click()
    await expect(page.get_by_role("cell", name="Short Circuit · The Modulars").first).to_be_visible()
    assert console.errors == []


async def test_lyrics_follow_the_playback(web_server: Any, new_page: Any, signed_in: Any) -> None:
    page, console = await new_page()
    await signed_in(page, web_server)
    await open_album(page, "Canción de Otoño", "Lúa Ferreira")
    await page.get_by_role("listitem", name="Mañana Azul, Lúa Ferreira").click()
    await wait_time_past(page, 0.2)
    await page.get_by_role("button", name="Now playing and lyrics").click()
    panel = page.locator("#now-playing")
    await expect(panel.get_by_text("Camelot 8A")).to_be_visible()
    await expect(panel.get_by_role("definition").filter(has_text="LUFS")).to_be_visible()
    lit = panel.locator(".lyrics p.active")
    await expect(lit).to_have_count(1, timeout=20_000)  # the lookup is queued, the worker asks LRCLIB
    first = await lit.text_content()
    await expect(lit).not_to_have_text(first, timeout=8_000)  # the next line lights up as it plays
    later = await lit.text_content()
    assert int(later.split()[1]) > int(first.split()[1])
    await page.keyboard.press("Escape")
    await expect(panel).to_be_hidden()
    assert console.errors == []


async def test_playlist_round_trip_and_privacy(web_server: Any, new_page: Any, signed_in: Any, api_as: Any) -> None:
    page, console = await new_page()
    await signed_in(page, web_server)
    await open_album(page, "Canción de Otoño", "Lúa Ferreira")
    await page.get_by_role("button", name="More actions for Mañana Azul").click()
    await page.get_by_role("menuitem", name="Add to playlist…").click()
    await page.get_by_role("button", name="New playlist…").click()
    await page.get_by_role("textbox", name="Name", exact=True).fill("Road trip")
    await page.get_by_role("button", name="Create").click()
    await expect(page.get_by_text("to the new playlist “Road trip”")).to_be_visible()
    await open_album(page, "Night Drive", "The Modulars")
    await page.get_by_role("button", name="More actions for Neon Rain").click()
    await page.get_by_role("menuitem", name="Add to playlist…").click()
    await page.get_by_role("button", name=re.compile(r"^Road trip")).click()
    await expect(page.get_by_text("Added “Neon Rain” to “Road trip”.")).to_be_visible()

    await page.get_by_role("link", name="Playlists").click()
    await page.get_by_role("link", name=re.compile(r"^Road trip")).click()
    await page.get_by_role("heading", name="Road trip").wait_for()
    tracks = page.get_by_role("list", name="Playlist tracks").get_by_role("listitem")
    await expect(tracks).to_have_count(2)
    playlist_url = page.url
    await page.get_by_role("button", name="Rename…").click()
    await page.get_by_role("textbox", name="Name", exact=True).fill("Road trip, long")
    await page.get_by_role("button", name="Save").click()
    await page.get_by_role("heading", name="Road trip, long").wait_for()
    await page.get_by_role("button", name="More actions for Mañana Azul").click()
    await page.get_by_role("menuitem", name="Remove from playlist").click()
    await expect(tracks).to_have_count(1)
    await expect(tracks.first).to_contain_text("Neon Rain")
    await page.get_by_role("button", name="Play Road trip, long").click()
    await expect(page.get_by_role("region", name="Player").get_by_role("link", name="Neon Rain")).to_be_visible()
    assert console.errors == []

    other, other_console = await new_page()
    await signed_in(other, web_server, "bruno")
    await other.get_by_role("link", name="Playlists").click()
    await expect(other.get_by_text("No playlists yet")).to_be_visible()
    assert other_console.errors == []
    async with await api_as(web_server, "bruno") as bruno:
        assert (await bruno.get("/api/playlists")).json()["playlists"] == []
    await other.goto(playlist_url)  # the link itself: refused, with a readable message
    await expect(other.get_by_role("alert").filter(has_text=re.compile("playlist", re.I))).to_be_visible()
    await expect(other.get_by_role("heading", name="Road trip, long")).to_have_count(0)


async def test_admin_users_scan_progress_and_plugins(web_server: Any, new_page: Any, signed_in: Any) -> None:
    page, console = await new_page()
    await signed_in(page, web_server)
    await page.get_by_role("link", name="Admin").click()
    users = page.get_by_role("table", name="Users")
    await expect(users.get_by_role("cell", name="bruno")).to_be_visible()
    await page.get_by_label("Username").fill("carla")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Add user").click()
    await expect(users.get_by_role("cell", name="carla")).to_be_visible()

    await page.get_by_role("link", name="Scans").click()
    await page.get_by_role("button", name="Scan now").click()
    status = page.locator("#scan-status")
    await expect(status).to_contain_text("Scan finished", timeout=60_000)  # from the event stream
    await expect(status).to_contain_text("0 added")
    await expect(page.get_by_role("table", name="Recent scans").get_by_role("row")).to_have_count(3)

    await page.get_by_role("link", name="Plugins").click()
    row = page.get_by_role("row").filter(has_text=re.compile(r"^web"))
    await expect(row).to_contain_text("enabled")
    await expect(page.get_by_role("row").filter(has_text="lrclib")).to_contain_text("enabled")
    assert console.errors == []


async def test_api_errors_are_readable(web_server: Any, new_page: Any, signed_in: Any) -> None:
    page, _ = await new_page()
    await page.goto(web_server.page)
    await page.get_by_label("Username").fill("ana")
    await page.get_by_label("Password").fill("not the password")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert").filter(has_text="Wrong username or password.")).to_be_visible()
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("heading", name="Albums").wait_for()
    await page.goto(web_server.page + "#/album/999999")
    await expect(page.get_by_role("alert").filter(has_text="No album with id 999999 in the library.")).to_be_visible()
    await page.goto(web_server.page + "#/admin/users")
    await page.get_by_label("Username").fill("BRUNO")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Add user").click()
    await expect(page.get_by_role("alert").filter(has_text="already exists")).to_be_visible()


async def test_phone_width_and_the_first_load(web_server: Any, new_page: Any, signed_in: Any) -> None:
    page, console = await new_page(width=390, height=844)
    sizes: dict[str, int] = {}

    async def weigh(response: Any) -> None:
        if "/plugins/web/" in response.url:
            sizes[response.url] = (await response.request.sizes())["responseBodySize"]

    page.on("response", lambda response: asyncio.ensure_future(weigh(response)))
    await signed_in(page, web_server)
    await expect(page.get_by_role("link", name="Night Drive, The Modulars")).to_be_visible()
    await page.wait_for_function("() => document.querySelectorAll('img.cover[src^=\"blob:\"]').length >= 2")
    await asyncio.sleep(0.5)  # the event stream stays open, so there is no network idle to wait for
    total = sum(sizes.values())
    print(f"first load in Chromium (signed in, albums): {len(sizes)} files, {total} bytes as sent")
    assert total <= FIRST_LOAD_BUDGET and len(sizes) > 10
    overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, "the page is wider than a phone"
    await page.get_by_role("link", name="Night Drive, The Modulars").click()
    await page.get_by_role("listitem", name="Neon Rain, The Modulars").click()
    await wait_time_past(page, 0.2)
    await expect(page.get_by_role("button", name="Pause")).to_be_visible()
    assert len({song.tags["album"] for song in SONGS}) == 2
    assert console.errors == []
