"""The page and its files over HTTP: public, validated, compressed, and small enough."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from pathlib import Path

from sonantica_web.assets import static_assets
from sonantica_web.plugin import WebPlugin

PLUGIN_DIR = Path(__file__).resolve().parents[1]
STATIC = PLUGIN_DIR / "sonantica_web" / "static"
#: The issue's budget for everything the first page load fetches, compressed.
FIRST_LOAD_BUDGET = 250 * 1024
_STATIC_IMPORT = re.compile(r"""^\s*import\s+(?:[^'"]*?\s+from\s+)?["']([^"']+)["']""", re.MULTILINE)


def first_load_files() -> list[str]:
    """The files a first visit fetches: the page, its styles and icon, main.js and what it imports statically."""
    page = (STATIC / "index.html").read_text()
    files = ["index.html", *[ref.removeprefix("assets/") for ref in re.findall(r'(?:href|src)="(assets/[^"]+)"', page)]]
    todo = [name for name in files if name.endswith(".js")]
    while todo:
        name = todo.pop()
        for target in _STATIC_IMPORT.findall((STATIC / name).read_text()):
            resolved = (STATIC / name).parent.joinpath(target).resolve().relative_to(STATIC.resolve()).as_posix()
            if resolved not in files:
                files.append(resolved)
                todo.append(resolved)
    return files


async def test_the_page_is_public_and_names_its_features(plugin_app) -> None:
    async with plugin_app(WebPlugin()) as core:
        assert core.status("web") == "enabled"
        anonymous = core.client.headers.pop("Authorization")
        assert anonymous
        page = await core.client.get("/plugins/web/")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert "default-src 'self'" in page.headers["content-security-policy"]
        found = re.search(r'<script type="application/json" id="features">(.*?)</script>', page.text)
        assert found and json.loads(found[1]) == {"lyrics": True}  # the core's lyrics chain
        assert '<script type="module" src="assets/js/main.js">' in page.text
        moved = await core.client.get("/plugins/web", follow_redirects=False)
        assert moved.status_code in (307, 308) and moved.headers["location"].endswith("/plugins/web/")


async def test_files_are_gzipped_validated_and_only_from_the_package(plugin_app) -> None:
    async with plugin_app(WebPlugin()) as core:
        core.client.headers.pop("Authorization")
        script = await core.client.get("/plugins/web/assets/js/main.js", headers={"Accept-Encoding": "gzip"})
        assert script.status_code == 200 and script.headers["content-encoding"] == "gzip"
        assert script.headers["content-type"].startswith("application/javascript")
        assert script.content == (STATIC / "js" / "main.js").read_bytes()  # httpx inflates it
        etag = script.headers["etag"]
        again = await core.client.get("/plugins/web/assets/js/main.js", headers={"If-None-Match": etag})
        assert again.status_code == 304 and not again.content
        plain = await core.client.get("/plugins/web/assets/css/base.css", headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers and plain.content == (STATIC / "css" / "base.css").read_bytes()
        head = await core.client.head("/plugins/web/assets/icon.svg")
        assert head.status_code == 200 and not head.content
        for path in ("nope.js", "..%2Fplugin.py", "js/..%2F..%2Fplugin.py", "%2e%2e/__init__.py", "index.html", "js"):
            missing = await core.client.get(f"/plugins/web/assets/{path}")
            assert missing.status_code == 404, path
            assert missing.json()["error"]["code"] == "not_found"


def test_the_first_load_fits_the_budget() -> None:
    files = first_load_files()
    assert {"index.html", "js/main.js", "css/base.css", "js/player/waveform.js",
            "vendor/wavesurfer/wavesurfer.esm.js"} <= set(files)
    store = static_assets()
    sizes = {}
    for name in files:
        asset = store.get(name)
        assert asset is not None, name
        sizes[name] = len(asset.gzipped or asset.body)
    total = sum(sizes.values())
    print(f"first load: {len(files)} files, {total} bytes compressed, {sum(len(store.get(n).body) for n in files)} raw")
    assert total <= FIRST_LOAD_BUDGET, sorted(sizes.items(), key=lambda item: -item[1])[:5]


def test_the_vendored_wavesurfer_is_the_recorded_file() -> None:
    record = (PLUGIN_DIR / "VENDORED.md").read_text()
    body = (STATIC / "vendor" / "wavesurfer" / "wavesurfer.esm.js").read_bytes()
    assert hashlib.sha256(body).hexdigest() in record
    assert "| 8.0.1 |" in record and "BSD 3-Clause" in (STATIC / "vendor" / "wavesurfer" / "LICENSE").read_text()
    assert gzip.compress(body)  # it is text, served compressed like the rest
