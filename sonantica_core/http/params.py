"""Reading a request's query string into one of the library's query models (422 when it does not fit)."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request

from sonantica_core.http.errors import ApiError

M = TypeVar("M", bound=BaseModel)


def _location(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc if not str(part).startswith(("function-after", "function-")))


def parse_query(model: type[M], request: Request) -> M:
    """The request's query string as ``model``; 422 listing each problem otherwise.

    An empty value (``?year_from=``, as HTML forms send) counts as not given.
    """
    try:
        return model.model_validate({key: value for key, value in request.query_params.items() if value != ""})
    except ValidationError as exc:
        problems = [
            {"parameter": _location(error["loc"]) or None, "message": error["msg"].removeprefix("Value error, ")}
            for error in exc.errors(include_url=False, include_input=False)
        ]
        summary = "; ".join(
            f"{problem['parameter']}: {problem['message']}" if problem["parameter"] else problem["message"]
            for problem in problems
        )
        raise ApiError(422, f"invalid query parameters: {summary}", details=problems) from None
