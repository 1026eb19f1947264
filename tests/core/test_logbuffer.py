"""The access log's batching handler: lines are written in batches, and never lost on flush/close."""

from __future__ import annotations

import io
import logging
import time

from sonantica_core.logbuffer import BufferedLineHandler


def _logger(handler: logging.Handler, name: str) -> logging.Logger:
    logger = logging.getLogger(name)
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger


def test_lines_wait_for_a_full_buffer() -> None:
    stream = io.StringIO()
    handler = BufferedLineHandler(stream, size=100, interval=60)
    logger = _logger(handler, "sonantica.test.buffer-size")
    logger.info("first line")
    logger.info("second line")
    assert stream.getvalue() == ""
    logger.info("x" * 120)  # the buffer is full: the flusher thread writes it, soon
    deadline = time.monotonic() + 5
    while not stream.getvalue() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert stream.getvalue() == "first line\nsecond line\n" + "x" * 120 + "\n"
    handler.close()


def test_warnings_flush_at_once_in_order() -> None:
    stream = io.StringIO()
    handler = BufferedLineHandler(stream, size=10_000, interval=60)
    logger = _logger(handler, "sonantica.test.buffer-warning")
    logger.info("request one")
    logger.warning("something is wrong")
    assert stream.getvalue() == "request one\nsomething is wrong\n"
    handler.close()


def test_old_lines_are_written_within_the_interval() -> None:
    stream = io.StringIO()
    handler = BufferedLineHandler(stream, size=10_000, interval=0.2)
    logger = _logger(handler, "sonantica.test.buffer-interval")
    logger.info("a quiet server's only request")
    deadline = time.monotonic() + 5
    while not stream.getvalue() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert stream.getvalue() == "a quiet server's only request\n"
    handler.close()


def test_flush_and_close_write_everything() -> None:
    stream = io.StringIO()
    handler = BufferedLineHandler(stream, size=10_000, interval=60)
    logger = _logger(handler, "sonantica.test.buffer-close")
    logger.info("one")
    handler.flush()
    assert stream.getvalue() == "one\n"
    logger.info("two")
    handler.close()
    assert stream.getvalue() == "one\ntwo\n"


def test_a_closed_stream_does_not_break_logging() -> None:
    stream = io.StringIO()
    handler = BufferedLineHandler(stream, size=1, interval=60)
    logger = _logger(handler, "sonantica.test.buffer-broken")
    stream.close()
    logger.info("goes nowhere, raises nothing")
    handler.close()


def test_a_line_written_directly_reads_like_a_logged_one() -> None:
    stream = io.StringIO()
    handler = BufferedLineHandler(stream, size=10_000, interval=60, timestamped=True)
    logger = _logger(handler, "sonantica.test.direct")
    logger.info('127.0.0.1 "GET /x" 200 5 0.1ms')
    handler.write_info("sonantica.test.direct", '127.0.0.1 "GET /x" 200 5 0.1ms')
    handler.flush()
    logged, direct = stream.getvalue().splitlines()
    assert logged.split(" ", 1)[1] == direct.split(" ", 1)[1] == 'sonantica.test.direct 127.0.0.1 "GET /x" 200 5 0.1ms'
    assert abs(time.mktime(time.strptime(direct.split(" ")[0], "%Y-%m-%dT%H:%M:%S")) - time.time()) < 5
    handler.close()


def test_a_direct_line_follows_a_formatter_set_later() -> None:
    stream = io.StringIO()
    handler = BufferedLineHandler(stream, size=10_000, interval=60, timestamped=True)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.write_info("sonantica.test.direct-custom", "hello")
    handler.flush()
    assert stream.getvalue() == "INFO hello\n"
    handler.close()


def test_a_slow_disk_never_holds_up_the_thread_that_logs() -> None:
    import threading

    release = threading.Event()
    written: list[str] = []

    class SlowStream(io.StringIO):
        def write(self, text: str) -> int:
            release.wait(10)  # a disk that takes its time
            written.append(text)
            return len(text)

    handler = BufferedLineHandler(SlowStream(), size=100, interval=60)
    logger = _logger(handler, "sonantica.test.buffer-slow")
    logger.info("x" * 120)  # full: the flusher takes it and is stuck writing
    time.sleep(0.2)
    started = time.monotonic()
    for n in range(3):
        logger.info(f"line {n}")
    assert time.monotonic() - started < 1.0
    release.set()
    handler.close()
    assert "".join(written) == "x" * 120 + "\nline 0\nline 1\nline 2\n"
