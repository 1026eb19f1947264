"""A call's parameters: the query string, and for a form POST (the ``formPost`` extension)
the urlencoded body too, read as Subsonic clients send them (repeated names allowed)."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request

from sonantica_subsonic.envelope import ErrorCode, SubsonicError, missing

#: The largest form body read (a playlist update with a few thousand ids fits).
MAX_FORM_BYTES = 256 * 1024
_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no")


class Params:
    """Multi-valued parameters with typed getters that answer the spec's errors."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        #: Every (name, value) in the order given.
        self.pairs = list(pairs)
        self._values: dict[str, list[str]] = {}
        for key, value in pairs:
            self._values.setdefault(key, []).append(value)

    @classmethod
    async def of(cls, request: Request) -> Params:
        # the raw query string, decoded as Starlette's ``request.url`` would (without building it)
        pairs = parse_qsl(request.scope.get("query_string", b"").decode("utf-8", "replace"), keep_blank_values=True)
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if request.method == "POST" and content_type == "application/x-www-form-urlencoded":
            body = bytearray()
            async for chunk in request.stream():
                body += chunk
                if len(body) > MAX_FORM_BYTES:
                    raise SubsonicError(
                        ErrorCode.GENERIC, f"the form is larger than {MAX_FORM_BYTES} bytes", http_status=413
                    )
            try:
                pairs += parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
            except UnicodeDecodeError:
                raise SubsonicError(ErrorCode.GENERIC, "the form is not UTF-8") from None
        return cls(pairs)

    def get(self, name: str, default: str | None = None) -> str | None:
        values = self._values.get(name)
        return values[0] if values else default

    def all(self, name: str) -> list[str]:
        return list(self._values.get(name, ()))

    def has(self, name: str) -> bool:
        return name in self._values

    def required(self, name: str) -> str:
        value = self.get(name)
        if value is None or value == "":
            raise missing(name)
        return value

    def integer(self, name: str, default: int | None = None, *, low: int = 0, high: int = 2**31 - 1) -> int | None:
        """An integer within ``low..high`` (clamped to ``high``: clients ask for huge pages)."""
        raw = self.get(name)
        if raw is None or raw == "":
            return default
        text = raw.strip()
        if not (text.lstrip("-").isdigit() and len(text) <= 20):
            raise SubsonicError(ErrorCode.GENERIC, f"parameter {name} must be a whole number, got {raw[:40]!r}")
        value = int(text)
        if value < low:
            raise SubsonicError(ErrorCode.GENERIC, f"parameter {name} must be at least {low}")
        return min(value, high)

    def required_integer(self, name: str, *, low: int = 0, high: int = 2**31 - 1) -> int:
        if self.get(name) in (None, ""):
            raise missing(name)
        value = self.integer(name, low=low, high=high)
        assert value is not None
        return value

    def number(self, name: str, default: float | None = None) -> float | None:
        raw = self.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = float(raw)
        except ValueError:
            raise SubsonicError(ErrorCode.GENERIC, f"parameter {name} must be a number, got {raw[:40]!r}") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise SubsonicError(ErrorCode.GENERIC, f"parameter {name} must be a finite number")
        return value

    def flag(self, name: str, default: bool = False) -> bool:
        raw = self.get(name)
        if raw is None or raw == "":
            return default
        if raw.lower() in _TRUE:
            return True
        if raw.lower() in _FALSE:
            return False
        raise SubsonicError(ErrorCode.GENERIC, f"parameter {name} must be true or false, got {raw[:40]!r}")
