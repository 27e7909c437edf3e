"""Rules for code on the event loop: it must not wait, nor work for long.

app.api.dispatch runs small requests on the event loop and sets
must_not_wait while they run. Code that would have to wait for a lock, or
do slow work such as parsing an uploaded data set, checks the flag and
raises WouldBlockError before it changes anything. The request then runs
again in a worker thread, where waiting is harmless.
"""

from contextvars import ContextVar


class WouldBlockError(Exception):
    """A request on the event loop reached work that must run in a thread."""


# Set while a request runs on the event loop.
must_not_wait: ContextVar[bool] = ContextVar("must_not_wait", default=False)
