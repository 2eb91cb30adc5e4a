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
from typing import Any, TypeVar, cast

__all__ = ["ordered_map", "start_pool"]

log = logging.getLogger("context_kit")

T = TypeVar("T")
R = TypeVar("R")


def start_pool(
    workers: int,
    *,
    initializer: Callable[..., object] | None = None,
    initargs: tuple[Any, ...] = (),
    fork: bool = True,
) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes, started the cheapest safe way on this platform.

    Args:
        workers: Processes in the pool.
        initializer: Called in each worker as it starts, with ``initargs``.
        initargs: Arguments of ``initializer``.
        fork: Fork this process where that is safe (Linux, one thread). Pass ``False``
            when this process is already large: a forked worker keeps a copy of every page
            the parent writes afterwards (touching an object writes its reference count),
            so forking a 400 MB parent can cost another 400 MB. Workers then start from a
            small ``forkserver`` process instead.

    Raises:
        OSError, ValueError, NotImplementedError: The platform cannot start processes.
    """
    ctx: multiprocessing.context.BaseContext
    if fork and sys.platform.startswith("linux") and threading.active_count() == 1:
        # Forking a single-threaded process is safe, starts in milliseconds and does
        # not re-import the caller's __main__ (which an unguarded script would re-run).
        ctx = multiprocessing.get_context("fork")
    else:
        try:
            ctx = multiprocessing.get_context("forkserver")
        except ValueError:  # platforms without forkserver
            ctx = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(workers, mp_context=ctx, initializer=initializer, initargs=initargs)


def ordered_map(
    fn: Callable[[T], R], items: Iterable[T], workers: int, *, what: str
) -> Iterator[R]:
    """``map(fn, items)`` over ``workers`` processes, results in input order.

    At most ``2 * workers`` items are in flight, so memory stays proportional to the
    workers rather than to the input. If the pool cannot start or a worker dies, the rest
    of the items (including those lost in flight) are mapped in this process: the results
    are the same, only slower. ``fn`` must be a picklable, module-level function and pure.
    Workers are never forked from this process (see :func:`start_pool`): callers map over
    the data of a large index.

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
        pool = start_pool(workers, fork=False)
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
        pool.shutdown(wait=False, cancel_futures=True)
        rest: list[T] = [item for _, item in pending]
        yield from map(fn, [*rest, *it])
    finally:
        pool.shutdown(cancel_futures=True)
