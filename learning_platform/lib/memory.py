"""Keeping a long run's memory flat: allocator settings, and giving freed memory back between steps.

A run process lives for many steps (14 days × several streams in a backfill run). Each step's
working set is bounded by its batch sizes, but allocators keep what was freed for reuse: Arrow's
default mimalloc pool and glibc's per-thread arenas both hold on to memory, so the process's
resident size would creep towards the sum of its steps instead of the largest one.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import importlib.abc
import logging
import sys

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


def convert_without_pandas() -> None:
    """Keep pandas out of a run that never uses it (about 34 MB and 300 modules).

    pyarrow imports pandas on its first conversion of Python values (`pa.array` of a list or a
    NumPy array), only to ask whether they are a pandas Series. The first such question is asked
    here with pandas unimportable: pyarrow records that pandas is absent for those questions, and
    still imports it on the first call that needs it (`to_pandas()`), so nothing is taken away.
    """
    if "pandas" in sys.modules:
        return
    sys.meta_path.insert(0, _NO_PANDAS)
    try:
        pa.array([0], pa.int64())
    finally:
        sys.meta_path.remove(_NO_PANDAS)


class _NoPandas(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):  # noqa: ARG002 (the finder's protocol)
        if name == "pandas":
            raise ModuleNotFoundError("pandas is kept out of this run", name=name)
        return None


_NO_PANDAS = _NoPandas()
