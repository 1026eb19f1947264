"""Admin: start a scan, follow it, and read what it could not read.

``POST /api/admin/scans`` queues a scan (optionally of some roots) and answers
202 with the run; ``GET /api/admin/scans`` lists recent runs;
``GET /api/admin/scans/{id}`` one run; ``GET /api/admin/scan-problems`` the
files that could not be read, with their reasons. Progress arrives on
``GET /api/events`` as ``scan.progress`` / ``scan.finished`` events.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sonantica_core.db.library import ScanProblemRow, ScanRun
from sonantica_core.http.body import parse_id, read_json
from sonantica_core.http.errors import ApiError
from sonantica_core.http.middleware.access import admin_only, current_user
from sonantica_core.http.models import api as m
from sonantica_core.http.openapi.docs import api_doc

TAGS = ["admin"]
PROBLEM_KINDS = ("corrupt", "empty", "unsupported", "unreadable", "loop", "other")


def run_json(run: ScanRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "status": run.status,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "requested_by": run.requested_by,
        "files_seen": run.files_seen,
        "files_read": run.files_read,
        "added": run.added,
        "changed": run.changed,
        "moved": run.moved,
        "removed": run.removed,
        "problems": run.problems,
        "error": run.error,
    }


def _int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    # ASCII digits, and few (str.isdigit takes "²", which int() refuses; int() refuses 4300 digits)
    if not (raw.isascii() and raw.isdigit() and len(raw) <= len(str(high))) or not low <= int(raw) <= high:
        raise ApiError(400, f"{name} must be a whole number from {low} to {high}", code="invalid_parameter")
    return int(raw)


async def _json_body(request: Request) -> dict[str, Any]:
    """The body as a JSON object (``{}`` when empty), read by :func:`read_json` (its size and time limits)."""
    try:
        data = await read_json(request)
    except ApiError as exc:
        if exc.status_code == 400:
            raise ApiError(400, "the body is not valid JSON", code="invalid_json") from None
        raise
    if not isinstance(data, dict):
        raise ApiError(400, "the body must be a JSON object", code="invalid_json")
    return data


@api_doc(
    "Start a scan",
    description="Queue a scan of every media root, or of the roots named. Progress arrives on GET /api/events "
    "(`scan.progress`, `scan.finished`).",
    tags=TAGS,
    body=m.ScanRequest,
    body_required=False,
    response=m.ScanRunInfo,
    status=202,
    headers={"Location": "The run, /api/admin/scans/{scan_id}."},
    responses={
        400: "The body is not a JSON object",
        409: "No music folders are configured",
        422: "`roots` is not a list of known media root names",
    },
)
@admin_only
async def start_scan(request: Request) -> JSONResponse:
    """Queue a scan of every media root, or of ``{"roots": ["name", ...]}``."""
    from sonantica_core.scanning.tasks import request_scan

    ctx = request.app.state.core
    data = await _json_body(request)
    roots = data.get("roots")
    known = {root.name for root in ctx.settings.media_roots}
    if roots is not None:
        if not isinstance(roots, list) or not all(isinstance(r, str) for r in roots):
            raise ApiError(422, "roots must be a list of media root names", code="invalid")
        unknown = sorted(set(roots) - known)
        if unknown:
            raise ApiError(
                422, f"unknown media roots: {', '.join(unknown)}", code="invalid", details={"known": sorted(known)}
            )
    if not known:
        raise ApiError(409, "no music folders are configured (MEDIA_PATH)", code="no_media_roots")
    run_id = await request_scan(ctx, requested_by=current_user(request).id, roots=roots)
    async with ctx.session() as session:
        run = await session.get(ScanRun, run_id)
        assert run is not None
        return JSONResponse(run_json(run), status_code=202, headers={"Location": f"/api/admin/scans/{run_id}"})


@api_doc(
    "Recent scans",
    tags=TAGS,
    query=m.ScanListQuery,
    response=m.ScanList,
    responses={400: "`limit` is not a whole number in range"},
)
@admin_only
async def list_scans(request: Request) -> JSONResponse:
    limit = _int_param(request, "limit", 20, 1, 200)
    async with request.app.state.core.session() as session:
        runs = (await session.execute(select(ScanRun).order_by(ScanRun.id.desc()).limit(limit))).scalars().all()
    return JSONResponse({"items": [run_json(run) for run in runs]})


@api_doc(
    "A scan", tags=TAGS, path={"scan_id": "The scan run's id."}, response=m.ScanRunInfo, responses={404: "No such scan"}
)
@admin_only
async def get_scan(request: Request) -> JSONResponse:
    scan_id = parse_id(request.path_params["scan_id"], "scan")  # not str.isdigit: "²" is a digit to it
    async with request.app.state.core.session() as session:
        run = await session.get(ScanRun, scan_id)
    if run is None:
        raise ApiError(404, "no such scan")
    return JSONResponse(run_json(run))


@api_doc(
    "Files the scans could not read",
    description="With the reason for each, by root and path, a page at a time.",
    tags=TAGS,
    query=m.ScanProblemsQuery,
    response=m.ScanProblems,
    responses={400: "A parameter is out of range, or `kind` is unknown"},
)
@admin_only
async def list_problems(request: Request) -> JSONResponse:
    """Files the scans could not read: ``?kind=``, ``?root=``, ``?limit=``, ``?offset=``."""
    limit = _int_param(request, "limit", 100, 1, 1000)
    offset = _int_param(request, "offset", 0, 0, 10**9)
    query = select(ScanProblemRow)
    kind = request.query_params.get("kind")
    if kind is not None:
        if kind not in PROBLEM_KINDS:
            raise ApiError(400, f"kind must be one of {', '.join(PROBLEM_KINDS)}", code="invalid_parameter")
        query = query.where(ScanProblemRow.kind == kind)
    root = request.query_params.get("root")
    if root is not None:
        query = query.where(ScanProblemRow.root == root)
    async with request.app.state.core.session() as session:
        total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
        rows = (
            await session.execute(
                query.order_by(ScanProblemRow.root, ScanProblemRow.relative_path).limit(limit).offset(offset)
            )
        ).scalars()
        items = [
            {
                "root": row.root,
                "path": row.relative_path,
                "kind": row.kind,
                "reason": row.reason,
                "first_seen_at": row.first_seen_at.isoformat(),
                "last_seen_at": row.last_seen_at.isoformat(),
            }
            for row in rows
        ]
    return JSONResponse({"total": total, "items": items})


routes = [
    Route("/api/admin/scans", start_scan, methods=["POST"]),
    Route("/api/admin/scans", list_scans, methods=["GET"]),
    Route("/api/admin/scans/{scan_id}", get_scan, methods=["GET"]),
    Route("/api/admin/scan-problems", list_problems, methods=["GET"]),
]
