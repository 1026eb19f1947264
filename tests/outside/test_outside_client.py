"""The polite client against a local fake service: manners, retries, cache, breaker, shared limiter."""

from __future__ import annotations

import asyncio
import os
import sys
import textwrap
from typing import Any

import pytest

from sonantica_core import __version__
from sonantica_core.outside import (
    OutsideHTTPError,
    OutsideTimeout,
    OutsideTooLarge,
    OutsideUnavailable,
)
from sonantica_core.testing.fakeservice import FakeAnswer, FakeRequest, running_fake_service

QUICK = {"interval": 0.0, "backoff": 0.01, "max_backoff": 0.05}


@pytest.fixture
async def ctx(make_settings: Any) -> Any:
    from sonantica_core.context import open_context

    settings = make_settings(CONTACT="admin@example.org")
    context = await open_context(
        settings, secret_key="x" * 40, postgres_url=settings.postgres_url, redis_url=settings.redis_url
    )
    yield context
    await context.close()


async def test_user_agent_names_product_version_and_contact_and_answers_are_cached(ctx: Any) -> None:
    with running_fake_service(lambda request: FakeAnswer(200, b'{"n": 1}')) as fake:
        client = ctx.outside_client("svc-cache", base_url=fake.url, **QUICK)
        first = await client.get("/thing", {"q": "a b"})
        again = await client.get("/thing", {"q": "a b"})
    assert first.json() == {"n": 1} and not first.from_cache
    assert again.from_cache and again.json() == {"n": 1}
    assert len(fake.requests) == 1
    assert fake.requests[0].params == {"q": "a b"}
    assert fake.requests[0].headers["User-Agent"] == f"Sonantica/{__version__} ( admin@example.org )"
    assert ctx.outside_client("svc-cache", base_url=fake.url) is client  # one per service and host


async def test_a_503_then_an_answer_is_retried_after_a_pause(ctx: Any) -> None:
    answers = iter([FakeAnswer(503, b"busy", headers={"Retry-After": "0"}), FakeAnswer(200, b"{}")])
    with running_fake_service(lambda request: next(answers)) as fake:
        response = await ctx.outside_client("svc-retry", base_url=fake.url, **QUICK).get("/x")
    assert response.ok and len(fake.requests) == 2


async def test_a_503_storm_opens_the_circuit_and_then_costs_nothing(ctx: Any) -> None:
    with running_fake_service(lambda request: FakeAnswer(503, b"down")) as fake:
        client = ctx.outside_client("svc-storm", base_url=fake.url, attempts=3, breaker_failures=2,
                                    breaker_cooldown=60, **QUICK)
        for _ in range(2):
            with pytest.raises(OutsideHTTPError, match="HTTP 503") as caught:
                await client.get("/x", cache=False)
            assert caught.value.status == 503
        asked = len(fake.requests)
        with pytest.raises(OutsideUnavailable, match="circuit open"):
            await client.get("/y")
        # another process's client shares the breaker through Redis
        other = type(client)(ctx.redis, "svc-storm", base_url=fake.url, contact="")
        with pytest.raises(OutsideUnavailable):
            await other.get("/z")
        await other.aclose()
    assert asked == 6 and len(fake.requests) == asked


async def test_the_circuit_lets_one_trial_through_after_the_cooldown(ctx: Any) -> None:
    state = {"down": True}

    def answer(request: FakeRequest) -> FakeAnswer:
        return FakeAnswer(503 if state["down"] else 200, b"{}")

    with running_fake_service(answer) as fake:
        client = ctx.outside_client("svc-trial", base_url=fake.url, attempts=1, breaker_failures=1,
                                    breaker_cooldown=0.3, **QUICK)
        with pytest.raises(OutsideHTTPError):
            await client.get("/x")
        with pytest.raises(OutsideUnavailable):
            await client.get("/x")
        state["down"] = False
        await asyncio.sleep(0.4)
        assert (await client.get("/x")).ok
        assert (await client.get("/y")).ok  # closed again
    assert len(fake.requests) == 3


async def test_time_outs_are_retried_then_reported(ctx: Any) -> None:
    with running_fake_service(lambda request: FakeAnswer(200, b"{}", delay=0.6)) as fake:
        client = ctx.outside_client("svc-slow", base_url=fake.url, timeout=0.2, attempts=2, **QUICK)
        with pytest.raises(OutsideTimeout, match=r"no answer within 0\.2 s"):
            await client.get("/x")
    assert len(fake.requests) == 2


async def test_an_answer_above_the_cap_is_refused(ctx: Any) -> None:
    with running_fake_service(lambda request: FakeAnswer(200, b"x" * 5000, "image/jpeg")) as fake:
        client = ctx.outside_client("svc-big", base_url=fake.url, **QUICK)
        with pytest.raises(OutsideTooLarge, match="5,000 bytes"):
            await client.get("/x", max_bytes=1000)
        assert (await client.get("/x", max_bytes=10_000)).content == b"x" * 5000


async def test_a_404_is_an_answer_and_other_client_errors_do_not_open_the_circuit(ctx: Any) -> None:
    def answer(request: FakeRequest) -> FakeAnswer:
        return FakeAnswer(404 if request.path == "/missing" else 400, b"{}")

    with running_fake_service(answer) as fake:
        client = ctx.outside_client("svc-404", base_url=fake.url, attempts=3, breaker_failures=1, **QUICK)
        assert (await client.get("/missing")).status == 404
        for _ in range(2):
            with pytest.raises(OutsideHTTPError, match="HTTP 400"):
                await client.get("/bad")
    assert fake.paths() == ["/missing", "/bad", "/bad"]  # no retries of a 400, and the circuit stayed closed


_WORKER = textwrap.dedent(
    """
    import asyncio, sys
    from redis.asyncio import Redis
    from sonantica_core.outside import OutsideClient

    async def main(redis_url, url, count):
        redis = Redis.from_url(redis_url)
        client = OutsideClient(redis, "svc-limited", base_url=url, contact="test")
        for n in range(count):
            await client.get(f"/{sys.argv[4]}/{n}", cache=False)
        await client.aclose()
        await redis.aclose()

    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
    """
)


async def test_two_processes_never_send_more_than_one_request_a_second(redis_url: str) -> None:
    with running_fake_service(lambda request: FakeAnswer(200, b"{}")) as fake:
        workers = [
            await asyncio.create_subprocess_exec(
                sys.executable, "-c", _WORKER, redis_url, fake.url, "3", name, env=dict(os.environ)
            )
            for name in ("a", "b")
        ]
        codes = [await worker.wait() for worker in workers]
    assert codes == [0, 0]
    assert len(fake.requests) == 6
    assert {path.split("/")[1] for path in fake.paths()} == {"a", "b"}
    assert min(fake.gaps()) >= 1.0, fake.gaps()

