"""A study store operation outlasts a database outage of up to a minute.

Why: a nightly search of hours should not fail because PostgreSQL restarted, failed over, or
a proxy dropped an idle connection. Each store operation is one transaction, so running it
again after a failure that committed nothing is safe. Only errors that say the connection or
the server failed are retried (``OperationalError``, ``InterfaceError``, an invalidated
connection); a constraint or SQL error is a bug and fails at once.

One case a retry cannot see: the server committed and the connection broke before it said
so. A retried ``finish`` then finds its trial no longer running and reports it lost (its
result is stored); a retried ``claim`` is told which trials its worker runs, and hands back
the one the lost answer carried rather than claim a second (search.store.StudyStore.claim).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import sqlalchemy as sa

log = logging.getLogger(__name__)

T = TypeVar("T")
FIRST_DELAY_S = 0.5
LONGEST_DELAY_S = 10.0


def transient(error: BaseException) -> bool:
    """Whether ``error`` says the database or the way to it failed, not the statement."""
    if isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, (sa.exc.OperationalError, sa.exc.InterfaceError))


def retried(operation: Callable[[], T], within_s: float, what: str) -> T:
    """``operation()``, again after each transient failure (0.5 s, then doubling to 10 s)
    while the next try starts within ``within_s`` of the first; then its last error."""
    deadline = time.monotonic() + within_s
    delay = FIRST_DELAY_S
    while True:
        try:
            return operation()
        except sa.exc.DBAPIError as error:
            if not transient(error) or time.monotonic() + delay > deadline:
                raise
            reason = str(error.orig or error).strip().splitlines()[0] if str(error) else ""
            log.warning("study store: %s failed (%s); trying again in %.1f s", what, reason, delay)
            time.sleep(delay)
            delay = min(2 * delay, LONGEST_DELAY_S)


class _Retrying(Protocol):
    retry_s: float


def outlasting_outages(method: Callable[..., T]) -> Callable[..., T]:
    """A store method retried within its store's ``retry_s``."""

    @functools.wraps(method)
    def run(self: _Retrying, *args: Any, **kwargs: Any) -> T:
        return retried(lambda: method(self, *args, **kwargs), self.retry_s, method.__name__)

    return run
