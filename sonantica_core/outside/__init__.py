"""Manners with outside services: one polite HTTP client per service, shared by every provider.

``ctx.outside_client("musicbrainz", base_url=...)`` hands out an :class:`OutsideClient`:
a Redis-backed limiter (one request per interval per service, across every process),
a User-Agent naming the product, its version and the admin's ``CONTACT``, retries with
back-off on 503 and time-outs, answers cached in Redis with a TTL, and a circuit breaker
whose state is shared in Redis, so a service that is down costs nothing.
"""

from sonantica_core.outside.client import OutsideClient, OutsideResponse, user_agent
from sonantica_core.outside.errors import (
    OutsideError,
    OutsideHTTPError,
    OutsideTimeout,
    OutsideTooLarge,
    OutsideUnavailable,
)

__all__ = [
    "OutsideClient",
    "OutsideError",
    "OutsideHTTPError",
    "OutsideResponse",
    "OutsideTimeout",
    "OutsideTooLarge",
    "OutsideUnavailable",
    "user_agent",
]
