"""Running an iterator one step ahead in a background thread, so that waiting on the network
overlaps with the work done on what already arrived."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()
_POLL_SECONDS = 0.1


class _Raised:
    def __init__(self, error: BaseException):
        self.error = error


def prefetched(source: Iterator[T], depth: int = 2, name: str = "prefetch") -> Iterator[T]:
    """Yield `source`'s items while a thread already fetches the next ones, at most `depth` ahead.

    The source is still consumed in order and by one thread, so a sequential walk stays
    sequential (one request in flight). An error in the source is raised here, at the point the
    items stop; if the consumer stops early, the thread stops at its next item and closes the
    source.
    """
    items: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                items.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in source:
                if not put(item):
                    return
            put(_DONE)
        except BaseException as error:  # handed to the consumer, raised there
            put(_Raised(error))
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=produce, name=name, daemon=True)
    thread.start()
    try:
        while True:
            item = items.get()
            if item is _DONE:
                return
            if isinstance(item, _Raised):
                raise item.error
            yield item
    finally:
        stop.set()
        thread.join()
