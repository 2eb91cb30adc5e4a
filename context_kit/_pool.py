"""Worker processes for the CPU-bound batch work of an index build.

tree-sitter holds the GIL while it parses and most other indexing work is Python, so
threads cannot use a second core; processes can. This module owns the one decision of how
to start them and the rule that a failing pool never fails the build: the work is then
done in this process, and a warning says so.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.context
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar, cast

__all__ = [
    "acquire",
    "can_fork",
    "discard",
    "ordered_map",
    "release",
    "retire",
    "shared_pools",
    "start_pool",
]

log = logging.getLogger("context_kit")

T = TypeVar("T")
R = TypeVar("R")


def can_fork() -> bool:
    """Whether :func:`start_pool` forks this process (Linux, and only one thread running)."""
    return sys.platform.startswith("linux") and threading.active_count() == 1


def start_pool(
    workers: int,
    *,
    initializer: Callable[..., object] | None = None,
    initargs: tuple[Any, ...] = (),
) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes, started the cheapest safe way on this platform.

    Forking a single-threaded process is safe, starts in milliseconds, lets workers read
    what the parent held when the pool started without pickling it, and does not re-import
    the caller's ``__main__`` (which an unguarded script would run again in every worker).
    Otherwise workers start from a ``forkserver`` (or ``spawn``).

    Args:
        workers: Processes in the pool.
        initializer: Called in each worker as it starts, with ``initargs``.
        initargs: Arguments of ``initializer``.

    Raises:
        OSError, ValueError, NotImplementedError: The platform cannot start processes.
    """
    ctx: multiprocessing.context.BaseContext
    if can_fork():
        ctx = multiprocessing.get_context("fork")
    else:
        try:
            ctx = multiprocessing.get_context("forkserver")
        except ValueError:  # platforms without forkserver
            ctx = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(workers, mp_context=ctx, initializer=initializer, initargs=initargs)


@dataclass
class _Shared:
    pool: ProcessPoolExecutor | None = None


_SHARED: ContextVar[_Shared | None] = ContextVar("context_kit_shared_pool", default=None)


@contextmanager
def shared_pools() -> Iterator[None]:
    """Within the block, the parallel work shares one pool, started at its first use.

    An index build slices files first, while this process is still small, and fits
    retrievers after it holds every slice. Workers forked for slicing are cheap; a pool
    forked for the fit would copy, page by page, everything either side touches afterwards
    (touching an object writes its reference count) — hundreds of MB on a large tree. So
    the fit reuses the slicing workers, and the pool is shut when the block ends.
    """
    shared = _Shared()
    token = _SHARED.set(shared)
    try:
        yield
    finally:
        _SHARED.reset(token)
        if shared.pool is not None:
            shared.pool.shutdown(cancel_futures=True)


def acquire(workers: int) -> ProcessPoolExecutor:
    """A pool for one piece of work: the block's shared pool if in :func:`shared_pools`.

    Pair with :func:`release` when the work is done, or :func:`discard` when the pool
    failed. Tasks sent to a shared pool must carry their inputs: its workers may have
    started before those inputs existed.

    Raises:
        OSError, ValueError, NotImplementedError: The platform cannot start processes.
    """
    shared = _SHARED.get()
    if shared is None:
        return start_pool(workers)
    if shared.pool is None:
        shared.pool = start_pool(workers)
    return shared.pool


def release(pool: ProcessPoolExecutor) -> None:
    """The work on ``pool`` is done: shut it, unless it is the block's shared pool."""
    shared = _SHARED.get()
    if shared is None or shared.pool is not pool:
        pool.shutdown(cancel_futures=True)


def discard(pool: ProcessPoolExecutor) -> None:
    """``pool`` failed (a worker died...): shut it without waiting; the next work starts anew."""
    shared = _SHARED.get()
    if shared is not None and shared.pool is pool:
        shared.pool = None
    pool.shutdown(wait=False, cancel_futures=True)


def retire() -> None:
    """The block's parallel work is over for now: shut its shared pool (no-op outside one).

    Workers keep what their tasks cached (a BM25 fit's term caches grow to tens of MB in
    each) until they exit, and a build's parent is at its largest right after its last
    parallel step; shutting them first keeps the two peaks apart. Later work in the block
    starts a new pool, forked from this process as it is then: only a build fitting two
    BM25 retrievers does that (the memory cost :func:`shared_pools` otherwise avoids).
    """
    shared = _SHARED.get()
    if shared is not None and shared.pool is not None:
        pool, shared.pool = shared.pool, None
        pool.shutdown(cancel_futures=True)


def ordered_map(
    fn: Callable[[T], R], items: Iterable[T], workers: int, *, what: str
) -> Iterator[R]:
    """``map(fn, items)`` over ``workers`` processes, results in input order.

    At most ``2 * workers`` items are in flight, so memory stays proportional to the
    workers rather than to the input. If the pool cannot start or a worker dies, the rest
    of the items (including those lost in flight) are mapped in this process: the results
    are the same, only slower. ``fn`` must be a picklable, module-level function and pure.
    The pool (see :func:`acquire`) is taken at the first result asked for.

    Args:
        fn: The function applied to each item.
        items: The inputs.
        workers: Processes to use; 1 or fewer maps in this process.
        what: What the work is, for the warning logged when the pool fails.
    """
    if workers <= 1:
        yield from map(fn, items)
        return
    try:
        pool = acquire(workers)
    except (OSError, ValueError, NotImplementedError) as exc:
        log.warning("context_kit: parallel %s unavailable (%r); working in-process", what, exc)
        yield from map(fn, items)
        return
    pending: deque[tuple[Future[R], T]] = deque()
    it = iter(items)
    try:
        while True:
            # Top up the window, then hand back the oldest result.
            for item in it:
                # Queued before submitting, so an item whose submit fails is not lost.
                pending.append((cast("Future[R]", None), item))
                pending[-1] = (pool.submit(fn, item), item)
                if len(pending) > 2 * workers:
                    break
            if not pending:
                return
            yield pending[0][0].result()
            pending.popleft()
    except Exception as exc:  # a dead worker, an unpicklable item: finish in this process
        log.warning("context_kit: parallel %s failed (%r); working in-process", what, exc)
        discard(pool)
        rest: list[T] = [item for _, item in pending]
        yield from map(fn, [*rest, *it])
    finally:
        release(pool)
