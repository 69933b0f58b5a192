"""Consume a blocking iterator in its own thread and stream it to async code, with back-pressure.

The iterator is created and consumed entirely in that thread (Peewee connections are per thread), and it
stops early when the async side goes away (e.g. the HTTP client disconnected).
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
_END = object()
_POLL_S = 0.1


async def stream_from_thread(make: Callable[[], Iterator[T]], depth: int = 8) -> AsyncIterator[T]:
    items: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()
    threading.Thread(target=_produce, args=(make, items, stop), name="cco-stream", daemon=True).start()
    try:
        while (item := await asyncio.to_thread(_get, items, stop)) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()


def _produce(make: Callable[[], Iterator[Any]], items: queue.Queue[Any], stop: threading.Event) -> None:
    try:
        for item in make():
            if not _put(items, item, stop):
                return
        _put(items, _END, stop)
    except Exception as exc:  # handed to the async side, which raises it
        _put(items, exc, stop)


def _get(items: queue.Queue[Any], stop: threading.Event) -> Any:
    """Wait for the next item, giving up once the async side stopped (so no worker thread is left blocked)."""
    while not stop.is_set():
        try:
            return items.get(timeout=_POLL_S)
        except queue.Empty:
            continue
    return _END


def _put(items: queue.Queue[Any], item: Any, stop: threading.Event) -> bool:
    while not stop.is_set():
        try:
            items.put(item, timeout=_POLL_S)
            return True
        except queue.Full:
            continue
    return False
