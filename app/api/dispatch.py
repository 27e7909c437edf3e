"""Run a handler's work on the event loop when it is small, else in a thread.

FastAPI runs every synchronous handler in a thread pool. For the small
networks that students step through, the hop to a worker thread and back
costs more than the work itself. On a 2-core machine it adds about 0.15 ms
to each request. Under 50 clients the worker threads and the event loop
also contend for the GIL. Moving these handlers to the loop, and nothing
else, took a 2-4-4-1 step at 50 clients from 588 to 911 requests per
second (bench/api_latency.py, see docs/benchmarks.md).

So forward, backward and step estimate their work first and run on the
event loop when it is below INLINE_WORK. A large network, or one this
process has not loaded yet, still goes to the thread pool, so that one big
request cannot hold up every other client for long.

Work that runs on the loop must not wait at all (app.api.loop_guard). The
write lock (Database.write) is taken and released within one synchronous
call, never across an await. When another thread or process has taken it,
or the network's data set is not in memory, the request gives up before it
has changed anything and runs again in a thread. At most
RETRY_THREADS such retries run at a time. The others wait on the loop
without blocking it, so that requests which wait for the write lock cannot
take every thread of the pool from the rest, /healthz included.
"""

import asyncio
import functools
import logging
import weakref
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import anyio.to_thread
from anyio import CapacityLimiter
from starlette.concurrency import run_in_threadpool

from app.api.loop_guard import WouldBlockError, must_not_wait

logger = logging.getLogger(__name__)

# Parameters times (examples + 4), where the 4 is the fixed cost per
# parameter of saving and sending the network. A 64-30-10 step on 10
# examples is about 31,000. One forward pass of a 784-30-10 network is about
# 119,000 and goes to a thread.
INLINE_WORK = 60_000
# Threads that retried requests may use at once, out of the pool's 40.
RETRY_THREADS = 8

P = ParamSpec("P")
T = TypeVar("T")

# One limiter per event loop, because an anyio limiter belongs to the loop
# that first used it (each TestClient runs its own loop).
_retry_limiters: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, CapacityLimiter
] = weakref.WeakKeyDictionary()


def work_estimate(num_parameters: int, m: int) -> int:
    """Return the work of a pass over m examples of a network, in the unit above."""
    return num_parameters * (m + 4)


def _retry_limiter() -> CapacityLimiter:
    loop = asyncio.get_running_loop()
    limiter = _retry_limiters.get(loop)
    if limiter is None:
        limiter = _retry_limiters[loop] = CapacityLimiter(RETRY_THREADS)
    return limiter


async def run_sized(
    work: int | None, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """Call fn on the event loop if work is known and small, else in a thread.

    On the loop, fn raises WouldBlockError instead of waiting, before it has
    changed anything, and then runs again in a thread of its own small pool.
    """
    if work is not None and work <= INLINE_WORK:
        token = must_not_wait.set(True)
        try:
            return fn(*args, **kwargs)
        except WouldBlockError as exc:
            logger.debug("%s runs again in a thread: %s", fn.__name__, exc)
        finally:
            must_not_wait.reset(token)
        call = functools.partial(fn, *args, **kwargs)
        return await anyio.to_thread.run_sync(call, limiter=_retry_limiter())
    return await run_in_threadpool(fn, *args, **kwargs)
