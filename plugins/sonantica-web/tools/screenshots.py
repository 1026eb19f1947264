"""Screenshots of the web player's main pages, at desktop and phone width, for the README.

Runs a real Sonántica on embedded PostgreSQL and Redis with a generated library (the browser
tests' own, ``tests/webkit.py``), plays a track, and photographs the pages with Debian's
Chromium (no browser is downloaded). The PNGs are reduced to a palette so each stays small.

    .venv/bin/python plugins/sonantica-web/tools/screenshots.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import shutil
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from webkit import PASSWORD, FakeLrclib, build_library, scan_and_analyse, start_server  # noqa: E402

REPO = HERE.parents[2]
SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
MAX_BYTES = 150 * 1024
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required"]


def shrink(png: bytes) -> bytes:
    """The screenshot as a palette PNG (the page is flat colours: 96 of them lose nothing visible)."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    for colours in (96, 64, 32):
        out = io.BytesIO()
        image.quantize(colors=colours, method=Image.Quantize.MEDIANCUT).save(out, "PNG", optimize=True)
        if out.tell() <= MAX_BYTES:
            break
    return out.getvalue()


async def photograph(url: str, out: Path) -> list[Path]:
    """Sign in, play, and save each page at each width."""
    from playwright.async_api import async_playwright

    saved = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for name, (width, height) in SIZES.items():
            context = await browser.new_context(viewport={"width": width, "height": height})
            page = await context.new_page()
            page.set_default_timeout(20_000)

            async def shot(label: str, page: Any = page, name: str = name) -> None:
                await asyncio.sleep(0.8)
                path = out / f"{label}-{name}.png"
                path.write_bytes(shrink(await page.screenshot()))
                saved.append(path)

            await page.goto(url + "/plugins/web/")
            await page.get_by_label("Username").fill("ana")
            await shot("sign-in")
            await page.get_by_label("Password").fill(PASSWORD)
            await page.get_by_role("button", name="Sign in").click()
            await page.get_by_role("heading", name="Albums").wait_for()
            await page.wait_for_function("() => document.querySelectorAll('img.cover[src^=\"blob:\"]').length >= 2")
            await shot("albums")
            await page.get_by_role("link", name="Canción de Otoño, Lúa Ferreira").click()
            await page.get_by_role("listitem", name="Camino Largo, Lúa Ferreira").click()
            await page.wait_for_function("() => document.querySelector('#waveform').dataset.peaks === 'yes'")
            await page.evaluate("document.querySelector('audio[data-active]').currentTime = 70")
            await shot("album-playing")
            await page.get_by_role("searchbox", name="Search").fill("corazon")
            await page.get_by_role("heading", name="Tracks").wait_for()
            await shot("search")
            await page.get_by_role("button", name="Now playing and lyrics").click()
            await page.locator(".lyrics p.active").wait_for()
            await shot("now-playing")
            await page.keyboard.press("Escape")
            await page.goto(url + "/plugins/web/#/admin/scans")
            await page.get_by_role("button", name="Scan now").click()
            await page.get_by_text("Scan finished").wait_for(timeout=60_000)
            await shot("admin-scans")
            await context.close()
        await browser.close()
    return saved


async def main(out: Path) -> None:
    from sonantica_core.db import migrate as schema
    from sonantica_core.embedded.postgres import EmbeddedPostgres
    from sonantica_core.embedded.redis import EmbeddedRedis

    base = Path(tempfile.mkdtemp(prefix="sonantica-screenshots-"))
    postgres, redis = EmbeddedPostgres(base / "services"), EmbeddedRedis(base / "services")
    try:
        postgres.start()
        redis.start()
        template = f"sonantica_shots_{uuid.uuid4().hex[:6]}"
        from webkit import _admin, _database_url

        await _admin(postgres.url, f'CREATE DATABASE "{template}"')
        await asyncio.to_thread(schema.upgrade, _database_url(postgres.url, template))
        library = build_library(base / "music")
        with FakeLrclib().running() as lrclib:
            server = await start_server(admin_url=postgres.url, template=template, redis_url=redis.url,
                                        base=base / "server", media=library, lrclib_url=lrclib.url, worker=True)
            try:
                import httpx

                async with httpx.AsyncClient(base_url=server.url) as client:
                    made = await client.post("/api/setup", json={"username": "ana", "password": PASSWORD})
                    made.raise_for_status()
                    headers = {"Authorization": f"Bearer {made.json()['access_token']}"}
                await scan_and_analyse(server, headers)
                out.mkdir(parents=True, exist_ok=True)
                for path in await photograph(server.url, out):
                    shown = path.relative_to(REPO) if path.is_relative_to(REPO) else path
                    print(f"{shown}: {path.stat().st_size} bytes")
            finally:
                await server.close()
    finally:
        redis.stop()
        postgres.stop()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    asyncio.run(main(parser.parse_args().out.resolve()))
