"""Where a request's time goes: wall-clock timers wrapped around the platform's parts, in this process only.

The wrappers replace module attributes for the length of a ``with instrument():`` block and put them back
after; nothing of the platform's code changes. What is left of a request's time once the parts are taken
out is the framework's (routing, dependency injection, request parsing, response building, middleware).
"""

from __future__ import annotations

import cProfile
import functools
import io
import pstats
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

# (module path, attribute, label). Async functions are timed to completion; sequential requests make
# their wall time their own. A part the platform does not have (any more) is skipped.
PARTS: list[tuple[str, str, str]] = [
    ("shenbao.store", "load_draft", "draft read (database)"),
    ("shenbao.store", "save_draft", "draft write (database)"),
    ("shenbao.store", "save_draft_changes", "draft write (database)"),
    ("shenbao.web.farmer.apply", "_form_data", "form body parsing"),
    ("shenbao.web.farmer.apply", "evaluate", "evaluate()"),
    ("shenbao.web.section_flow", "evaluate", "evaluate()"),
    ("shenbao.web.evaluations", "evaluate", "evaluate()"),
    ("shenbao.web.farmer.apply", "verified_phones", "phone checks (database)"),
    ("shenbao.web.render.Renderer", "render", "Jinja render"),
    ("litestar.middleware.compression.gzip_facade.GzipCompression", "write", "gzip"),
    ("litestar.middleware.compression.gzip_facade.GzipCompression", "close", "gzip"),
    ("gzip", "compress", "gzip"),  # the pages the platform gzips itself (shenbao.web.pages)
    ("litestar.response.base.Response", "set_cookie", "cookies"),
    ("litestar.datastructures.cookie.Cookie", "to_encoded_header", "cookies"),
]


class Timings:
    """Nanoseconds per part, summed over the instrumented requests."""

    def __init__(self) -> None:
        self.parts: dict[str, int] = defaultdict(int)
        self.calls: dict[str, int] = defaultdict(int)
        self._depth: dict[str, int] = defaultdict(int)

    def add(self, label: str, elapsed: int) -> None:
        self.parts[label] += elapsed
        self.calls[label] += 1


def _resolve(path: str) -> Any:
    import importlib

    parts = path.split(".")
    for split in range(len(parts), 0, -1):
        try:
            target: Any = importlib.import_module(".".join(parts[:split]))
        except ModuleNotFoundError:
            continue
        for name in parts[split:]:
            target = getattr(target, name)
        return target
    raise ModuleNotFoundError(path)


def _wrap(function: Callable[..., Any], label: str, timings: Timings) -> Callable[..., Any]:
    import inspect

    if inspect.iscoroutinefunction(function):

        @functools.wraps(function)
        async def timed_async(*args: Any, **kwargs: Any) -> Any:
            begin = time.perf_counter_ns()
            try:
                return await function(*args, **kwargs)
            finally:
                timings.add(label, time.perf_counter_ns() - begin)

        return timed_async

    @functools.wraps(function)
    def timed(*args: Any, **kwargs: Any) -> Any:
        begin = time.perf_counter_ns()
        try:
            return function(*args, **kwargs)
        finally:
            timings.add(label, time.perf_counter_ns() - begin)

    return timed


@contextmanager
def instrument() -> Iterator[Timings]:
    """Time the parts listed in :data:`PARTS` while the block runs."""
    timings = Timings()
    undo: list[tuple[Any, str, Any]] = []
    try:
        for path, attribute, label in PARTS:
            try:
                owner = _resolve(path)
                getattr(owner, attribute)
            except (ImportError, AttributeError):
                continue
            original = owner.__dict__[attribute] if isinstance(owner, type) else getattr(owner, attribute)
            undo.append((owner, attribute, original))
            setattr(owner, attribute, _wrap(getattr(owner, attribute), label, timings))
        yield timings
    finally:
        for owner, attribute, original in reversed(undo):
            setattr(owner, attribute, original)


def breakdown_lines(timings: Timings, total_ns: int, requests: int) -> list[str]:
    """A per-request table: each part's time, its share, and the framework's remainder."""
    lines = [f"{'part':<28}{'per request':>14}{'share':>8}{'calls/req':>11}"]
    accounted = 0
    for label, elapsed in sorted(timings.parts.items(), key=lambda item: -item[1]):
        accounted += elapsed
        lines.append(
            f"{label:<28}{elapsed / requests / 1e3:>11.0f} µs{100 * elapsed / total_ns:>7.0f}%"
            f"{timings.calls[label] / requests:>11.1f}"
        )
    rest = total_ns - accounted
    lines.append(
        f"{'framework & the rest':<28}{rest / requests / 1e3:>11.0f} µs{100 * rest / total_ns:>7.0f}%{'':>11}"
    )
    lines.append(f"{'total':<28}{total_ns / requests / 1e3:>11.0f} µs{100:>7}%")
    return lines


def profile_lines(profiler: cProfile.Profile, limit: int = 18) -> list[str]:
    """The top functions by cumulative time (cProfile), trimmed to the interesting columns."""
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.strip_dirs().sort_stats("cumulative").print_stats(limit)
    text = stream.getvalue()
    start = text.find("   ncalls")
    return text[start:].rstrip().splitlines() if start >= 0 else text.splitlines()
