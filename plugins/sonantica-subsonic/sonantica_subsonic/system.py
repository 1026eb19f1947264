"""System calls: ping, licence, extensions, music folders, users, scanning."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from sonantica_core.db.library import ScanRun
from sonantica_core.db.users import User
from sonantica_subsonic.api import Call, method
from sonantica_subsonic.envelope import ErrorCode, SubsonicError, not_found

#: The OpenSubsonic extensions this API implements fully, with their versions.
EXTENSIONS: dict[str, list[int]] = {
    "apiKeyAuthentication": [1],
    "formPost": [1],
    "songLyrics": [1],
    "sonicSimilarity": [1],
    "indexBasedQueue": [1],
    "topSongsByArtistId": [1],
    "transcodeOffset": [1],
}


@method("ping")
async def ping(call: Call) -> dict[str, Any]:
    return {}


@method("getLicense")
async def get_license(call: Call) -> dict[str, Any]:
    return {"license": {"valid": True}}


@method("getOpenSubsonicExtensions", public_call=True)
async def get_extensions(call: Call) -> dict[str, Any]:
    return {"openSubsonicExtensions": [{"name": n, "versions": v} for n, v in EXTENSIONS.items()]}


@method("tokenInfo")
async def token_info(call: Call) -> dict[str, Any]:
    assert call.caller is not None
    if call.caller.principal.via != "api_key":
        raise SubsonicError(ErrorCode.AUTH_MECHANISM_UNSUPPORTED, "tokenInfo needs an apiKey")
    return {"tokenInfo": {"username": call.caller.username}}


def music_folders(call: Call) -> list[dict[str, Any]]:
    """The media roots as music folders, numbered from 1 in the settings' order."""
    return [{"id": i, "name": root.name} for i, root in enumerate(call.ctx.settings.media_roots, start=1)]


def folder_root(call: Call) -> str | None:
    """The media root named by ``musicFolderId``, or None for all of them."""
    folder = call.params.integer("musicFolderId", low=0)
    if folder is None:
        return None
    roots = call.ctx.settings.media_roots
    if not 1 <= folder <= len(roots):
        raise not_found(f"music folder {folder}")
    return roots[folder - 1].name


@method("getMusicFolders", cached=True)
async def get_music_folders(call: Call) -> dict[str, Any]:
    return {"musicFolders": {"musicFolder": music_folders(call)}}


def _user(call: Call, user: User) -> dict[str, Any]:
    admin = user.role == "admin"
    return {
        "username": user.username,
        "scrobblingEnabled": True,
        "adminRole": admin,
        "settingsRole": True,
        "downloadRole": True,
        "uploadRole": False,
        "playlistRole": True,
        "coverArtRole": admin,
        "commentRole": False,
        "podcastRole": False,
        "streamRole": True,
        "jukeboxRole": False,
        "shareRole": False,
        "videoConversionRole": False,
        "folder": [f["id"] for f in music_folders(call)],
    }


@method("getUser")
async def get_user(call: Call) -> dict[str, Any]:
    assert call.caller is not None
    wanted = call.params.get("username") or call.caller.username
    if wanted.lower() != call.caller.username.lower() and not call.is_admin:
        raise SubsonicError(ErrorCode.NOT_AUTHORIZED, "only admins may read other users")
    async with call.ctx.session() as session:
        user = (await session.execute(select(User).where(func.lower(User.username) == wanted.lower()))).scalar()
    if user is None:
        raise not_found(f"user {wanted[:64]!r}")
    return {"user": _user(call, user)}


@method("getUsers", admin=True)
async def get_users(call: Call) -> dict[str, Any]:
    async with call.ctx.session() as session:
        users = (await session.execute(select(User).order_by(User.id))).scalars().all()
    return {"users": {"user": [_user(call, u) for u in users]}}


async def _scan_status(call: Call) -> dict[str, Any]:
    async with call.ctx.session() as session:
        run = (await session.execute(select(ScanRun).order_by(ScanRun.id.desc()).limit(1))).scalar()
    scanning = run is not None and run.status in ("queued", "running")
    return {"scanStatus": {"scanning": scanning, "count": run.files_read if run else 0}}


@method("getScanStatus")
async def get_scan_status(call: Call) -> dict[str, Any]:
    return await _scan_status(call)


@method("startScan", admin=True)
async def start_scan(call: Call) -> dict[str, Any]:
    from sonantica_core.scanning.tasks import request_scan

    if not call.ctx.settings.media_roots:
        raise SubsonicError(ErrorCode.GENERIC, "no music folders are configured (MEDIA_PATH)")
    await request_scan(call.ctx, requested_by=call.user_id)
    return await _scan_status(call)
