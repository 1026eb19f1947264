"""The polite client: limiter, User-Agent, retries, cache and circuit breaker around httpx."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any

import httpx
from redis.asyncio import Redis

from sonantica_core import __version__
from sonantica_core.outside.breaker import CircuitBreaker
from sonantica_core.outside.cache import AnswerCache
from sonantica_core.outside.errors import (
    OutsideError,
    OutsideHTTPError,
    OutsideTimeout,
    OutsideTooLarge,
    OutsideUnavailable,
)
from sonantica_core.outside.limiter import RateLimiter

log = logging.getLogger("sonantica.outside")

#: Answers worth trying again after a pause.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Answers that are answers (kept in the cache); 404 says "not known", which is worth remembering too.
ANSWER_STATUSES = frozenset({200, 404})


def user_agent(contact: str) -> str:
    """``Sonantica/<version> ( <contact> )``, as MusicBrainz asks of every client."""
    return f"Sonantica/{__version__} ( {contact or 'no contact set'} )"


@dataclass(frozen=True, slots=True)
class OutsideResponse:
    """An answer (fresh or cached) of an outside service."""

    status: int
    content: bytes
    media_type: str
    url: str
    from_cache: bool = False

    @property
    def ok(self) -> bool:
        return self.status == 200

    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.content)


@dataclass(frozen=True, slots=True)
class OutsideOptions:
    """How patiently and how often one service is asked."""

    #: Seconds between two requests to the service, across every process.
    interval: float = 1.0
    #: Seconds one request may take.
    timeout: float = 10.0
    #: Tries of one request (the first included) on 503-like answers and time-outs.
    attempts: int = 3
    #: Seconds of the first pause between tries; doubled each time.
    backoff: float = 1.0
    #: Longest pause between tries, also for a ``Retry-After`` the service asks for.
    max_backoff: float = 30.0
    #: Seconds answers are cached (0: not cached).
    cache_ttl: float = 7 * 86400
    #: Failed calls in a row that open the circuit breaker, and seconds it stays open.
    breaker_failures: int = 5
    breaker_cooldown: float = 300.0
    #: Largest answer read, in bytes.
    max_bytes: int = 16 * 1024 * 1024
    #: Replaces the User-Agent (None: ``Sonantica/<version> ( <CONTACT> )``).
    user_agent: str | None = None


class OutsideClient:
    """Asks one outside service politely. Get one from ``ctx.outside_client(service, base_url=...)``."""

    def __init__(
        self, redis: Redis, service: str, *, base_url: str, contact: str, options: OutsideOptions | None = None
    ) -> None:
        self.service = service
        self.options = options or OutsideOptions()
        self.base_url = base_url.rstrip("/")
        self.user_agent = self.options.user_agent or user_agent(contact)
        self.limiter = RateLimiter(redis, service, self.options.interval, hold=self.options.timeout + 5)
        self.breaker = CircuitBreaker(redis, service, self.options.breaker_failures, self.options.breaker_cooldown)
        self.cache = AnswerCache(redis, service)
        self._http = httpx.AsyncClient(
            timeout=self.options.timeout,
            headers={"User-Agent": self.user_agent},
            follow_redirects=True,
        )

    async def get(
        self,
        path: str,
        params: dict[str, str] | None = None,
        *,
        accept: str | None = None,
        max_bytes: int | None = None,
        cache: bool = True,
    ) -> OutsideResponse:
        """GET ``path`` (relative to the base URL, or a full URL) and return the answer.

        200 and 404 are answers (and cached); other statuses, time-outs and unreachable
        services raise an :class:`OutsideError` after the retries, and count against the
        circuit breaker. An answer above ``max_bytes`` raises :class:`OutsideTooLarge`.
        """
        url = str(httpx.URL(path if "://" in path else self.base_url + "/" + path.lstrip("/"), params=params))
        key = self.cache.key(url, accept)
        if cache:
            hit = await self.cache.get(key)
            if hit is not None:
                return OutsideResponse(hit[0], hit[2], hit[1], url, from_cache=True)
        if await self.breaker.is_open():
            raise OutsideUnavailable(
                self.service, f"not asked: it failed {self.breaker.failures} times in a row recently (circuit open)"
            )
        try:
            response = await self._with_retries(url, accept, max_bytes or self.options.max_bytes)
        except (OutsideTimeout, OutsideUnavailable) as exc:
            await self.breaker.failed()
            raise exc
        except OutsideHTTPError as exc:
            if exc.status in RETRY_STATUSES:
                await self.breaker.failed()
            else:
                await self.breaker.succeeded()  # it answered: the service is up
            raise
        await self.breaker.succeeded()
        if cache:
            await self.cache.put(key, response.status, response.media_type, response.content, self.options.cache_ttl)
        return response

    async def _with_retries(self, url: str, accept: str | None, max_bytes: int) -> OutsideResponse:
        headers = {"Accept": accept} if accept else {}
        pause = self.options.backoff
        for attempt in range(1, max(1, self.options.attempts) + 1):
            last = attempt >= self.options.attempts
            try:
                async with self.limiter.turn():
                    status, media_type, body, retry_after = await self._once(url, headers, max_bytes)
            except httpx.TimeoutException:
                if last:
                    raise OutsideTimeout(
                        self.service, f"no answer within {self.options.timeout:g} s ({attempt} tries)"
                    ) from None
                retry_after = None
            except httpx.HTTPError as exc:
                if last:
                    raise OutsideUnavailable(self.service, f"unreachable ({type(exc).__name__}: {exc})") from None
                retry_after = None
            else:
                if status in ANSWER_STATUSES:
                    return OutsideResponse(status, body, media_type, url)
                if status not in RETRY_STATUSES or last:
                    raise OutsideHTTPError(self.service, f"answered HTTP {status} ({attempt} tries)", status)
            wait = min(self.options.max_backoff, max(pause, retry_after or 0.0))
            log.info("%s: try %d of %s failed; again in %.1f s", self.service, attempt, url, wait)
            await asyncio.sleep(wait)
            pause *= 2
        raise OutsideError(self.service, "no tries were made")  # attempts is at least 1: not reached

    async def _once(self, url: str, headers: dict[str, str], max_bytes: int) -> tuple[int, str, bytes, float | None]:
        async with self._http.stream("GET", url, headers=headers) as response:
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise OutsideTooLarge(self.service, f"the answer has {int(declared):,} bytes; at most {max_bytes:,}")
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise OutsideTooLarge(self.service, f"the answer is larger than {max_bytes:,} bytes")
                chunks.append(chunk)
            media_type = response.headers.get("content-type", "").split(";")[0].strip()
            return response.status_code, media_type, b"".join(chunks), _retry_after(response)

    async def aclose(self) -> None:
        await self._http.aclose()


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    try:
        return float(value) if value else None
    except ValueError:
        return None
