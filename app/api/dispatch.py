"""Run a handler's work on the event loop when it is small, else in a thread.

FastAPI runs every synchronous handler in a thread pool. For the small
networks that students step through, the hop to a worker thread and back
costs more than the work itself. On a 2-core machine it adds about 0.15 ms
to each request. Under 50 clients the worker threads and the event loop
also contend for the GIL, and a 2-4-4-1 step then served 588 requests per
second in threads against 911 on the loop (bench/api_latency.py).

So forward, backward and step estimate their work first and run on the
event loop when it is below INLINE_WORK. A large network, or one this
process has not loaded yet, still goes to the thread pool, so that one big
request cannot hold up every other client for long.

Work that runs on the loop must not wait at all. The write lock
(Database.write) is taken and released within one synchronous call, never
across an await. When another thread or process has taken it, the request
gives up before it has changed anything and runs again in a thread, which
waits.
"""

import logging
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from starlette.concurrency import run_in_threadpool

from app.api.store.db import WriteBusyError, must_not_wait

logger = logging.getLogger(__name__)

# Parameters times (examples + 4), where the 4 is the fixed cost per
# parameter of saving and sending the network. A 64-30-10 step on 10
# examples is about 31,000. One forward pass of a 784-30-10 network is about
# 119,000 and goes to a thread.
INLINE_WORK = 60_000

P = ParamSpec("P")
T = TypeVar("T")


def work_estimate(num_parameters: int, m: int) -> int:
    """Return the work of a pass over m examples of a network, in the unit above."""
    return num_parameters * (m + 4)


async def run_sized(
    work: int | None, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """Call fn on the event loop if work is known and small, else in a thread.

    On the loop, fn must not wait for the write lock: Database.write raises
    WriteBusyError instead, before anything is written, and fn runs again in a
    thread, where it waits its turn.
    """
    if work is not None and work <= INLINE_WORK:
        token = must_not_wait.set(True)
        try:
            return fn(*args, **kwargs)
        except WriteBusyError as exc:
            logger.debug("%s waits in a thread: %s", fn.__name__, exc)
        finally:
            must_not_wait.reset(token)
    return await run_in_threadpool(fn, *args, **kwargs)
