"""Keeping a long run's memory flat: allocator settings, and giving freed memory back between steps.

A run process lives for many steps (14 days × several streams in a backfill run). Each step's
working set is bounded by its batch sizes, but allocators keep what was freed for reuse: Arrow's
default mimalloc pool and glibc's per-thread arenas both hold on to memory, so the process's
resident size would creep towards the sum of its steps instead of the largest one.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

import pyarrow as pa

log = logging.getLogger(__name__)

_M_ARENA_MAX = -8


def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    # glibc only: musl and macOS have neither mallopt's arenas nor malloc_trim.
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


_LIBC = _libc()


def limit_allocator_arenas() -> None:
    """glibc with two arenas: each thread that allocates (HTTP, COPY, Dagster's own) would
    otherwise get an arena of its own, each holding freed memory."""
    if _LIBC is not None:
        _LIBC.mallopt(_M_ARENA_MAX, 2)


def release_free_memory() -> None:
    """Give the memory freed by a finished step back to the system: Arrow's pool and glibc's."""
    pa.default_memory_pool().release_unused()
    if _LIBC is not None:
        _LIBC.malloc_trim(0)
