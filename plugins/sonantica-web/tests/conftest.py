"""Fixtures of the browser tests: a generated library, a fake LRCLIB, real servers, Chromium."""

from __future__ import annotations

import shutil
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # webkit.py, also without rootdir on sys.path

from webkit import PASSWORD, FakeLrclib, RunningServer, build_library, scan_and_analyse, sign_in, start_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--use-fake-device-for-media-stream",
                 "--autoplay-policy=no-user-gesture-required"]


def browser_skip_reason() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not CHROMIUM.exists():
        return "no Chromium at /usr/bin/chromium (Debian: apt-get install chromium); the browser tests need it"
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e 'plugins/sonantica-web[test]')"
    return None


@pytest.fixture(scope="session")
def library_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_library(tmp_path_factory.mktemp("web-library") / "music")


@pytest.fixture(scope="session")
def lrclib() -> Any:
    with FakeLrclib().running() as fake:
        yield fake


@pytest.fixture(scope="session")
async def web_server(sonantica_services: Any, library_root: Path, lrclib: Any,
                     tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[RunningServer]:
    """One server with a scanned and analysed library, an admin (ana) and a user (bruno)."""
    from redis.asyncio import Redis

    client = Redis.from_url(_redis(sonantica_services, 9))
    await client.flushdb()
    await client.aclose()
    server = await start_server(
        admin_url=sonantica_services.postgres_admin_url, template=sonantica_services.template_database,
        redis_url=_redis(sonantica_services, 9),
        base=tmp_path_factory.mktemp("web-server"), media=library_root, lrclib_url=lrclib.url, worker=True,
    )
    try:
        async with httpx.AsyncClient(base_url=server.url) as client:
            made = await client.post("/api/setup", json={"username": "ana", "password": PASSWORD})
            assert made.status_code == 201, made.text
            admin = {"Authorization": f"Bearer {made.json()['access_token']}"}
            second = await client.post("/api/users", headers=admin,
                                       json={"username": "bruno", "password": PASSWORD, "role": "user"})
            assert second.status_code == 201, second.text
        server.tracks = await scan_and_analyse(server, admin)  # type: ignore[attr-defined]
        yield server
    finally:
        await server.close()


def _redis(services: Any, index: int) -> str:
    from sonantica_core.testing.fixtures import redis_database_url

    return redis_database_url(services.redis_base_url, index)


@pytest.fixture
async def fresh_server(sonantica_services: Any, tmp_path: Path) -> AsyncIterator[RunningServer]:
    """A server with no user and no music: the first run."""
    redis = _redis(sonantica_services, 10)
    from redis.asyncio import Redis

    client = Redis.from_url(redis)
    await client.flushdb()
    await client.aclose()
    server = await start_server(
        admin_url=sonantica_services.postgres_admin_url, template=sonantica_services.template_database,
        redis_url=redis, base=tmp_path / "fresh", media=None, lrclib_url=None, worker=False,
    )
    try:
        yield server
    finally:
        await server.close()
        shutil.rmtree(tmp_path / "fresh", ignore_errors=True)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    reason = browser_skip_reason()
    if reason:
        pytest.skip(reason)
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


class Console:
    """What a page wrote to its console as errors, and its uncaught exceptions."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def attach(self, page: Any) -> None:
        page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))


@pytest.fixture
async def new_page(browser: Any) -> AsyncIterator[Callable[..., Any]]:
    """``page, console = await new_page(width=1280, height=800)``: a fresh context (no stored session)."""
    contexts = []

    async def make(width: int = 1280, height: int = 800) -> tuple[Any, Console]:
        context = await browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = await context.new_page()
        page.set_default_timeout(15_000)
        console = Console()
        console.attach(page)
        return page, console

    yield make
    for context in contexts:
        await context.close()


async def login(page: Any, server: RunningServer, username: str = "ana", password: str = PASSWORD) -> None:
    """Sign in through the page's form and wait for the albums."""
    await page.goto(server.page)
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("heading", name="Albums").wait_for()


@pytest.fixture
def signed_in() -> Callable[..., Any]:
    return login


@pytest.fixture
async def api_as() -> Callable[..., Any]:
    async def make(server: RunningServer, username: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=server.url, headers=await sign_in(server.url, username))

    return make
