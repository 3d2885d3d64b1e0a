"""PostgreSQL connections that never keep a request waiting without bound.

libpq bounds connecting (`connect_timeout`, at least 2 s) and the server bounds a
statement it is running (`statement_timeout`, set on connections made for requests),
but a server that stops answering altogether (paused, partitioned while the kernel
still acknowledges, failing over) would keep a request waiting on its answer forever.
So, while serving a request, every wait on the server's answer, a pool's liveness
check included, ends after the request's bound: the connection is closed (the pool
drops it) and the process's breaker (web.infra.breakers) opens, so the requests that
follow answer 503 at once instead of queueing behind the same wait. Outside requests
nothing is bounded (web.infra.waits).
"""

from typing import Any, ClassVar

import psycopg
from psycopg import errors

from web.infra.breakers import Breaker, Open
from web.infra.waits import answering, bound

# psycopg's wait functions raise this (an OperationalError) when their timeout passes.
WAIT_TIMEOUT: type[Exception] = getattr(errors, "_WaitTimeout", errors.OperationalError)


class BoundedConnection(psycopg.Connection[Any]):
    """psycopg's connection whose waits on the server are bounded in requests."""

    breaker: ClassVar[Breaker]
    seconds: ClassVar[float]

    def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
        if not answering():
            return super().wait(gen, interval, timeout)
        ask(self.breaker)
        # The server's own statement bound ends a slow statement first, leaving the
        # connection usable; past this slack the server is taken to be away.
        within = bound(self.seconds)
        try:
            limit = within if timeout is None else min(timeout, within)
            answer = super().wait(gen, interval, limit)
        except WAIT_TIMEOUT:
            self.breaker.trip(f"no answer within {within:g} s")
            self.pgconn.finish()  # what it was doing is abandoned: never reused
            raise errors.OperationalError(
                f"the database did not answer within {within:g} s"
            ) from None
        except psycopg.OperationalError as error:
            if self.broken or self.closed:
                self.breaker.trip(error)
            raise
        self.breaker.succeeded()
        return answer


def ask(guard: Breaker) -> None:
    """Refuse at once (an OperationalError, answered 503) while the breaker is open."""
    try:
        guard.check()
    except Open as away:
        raise errors.OperationalError(str(away)) from None


def connection_class(guard: Breaker, seconds: float) -> type[BoundedConnection]:
    """The connection class for an app's engines, bounded to `seconds` in requests and
    sharing `guard` (every engine of the app on that server)."""
    return type("Bounded", (BoundedConnection,), {"breaker": guard, "seconds": seconds})


def connect(kind: type[BoundedConnection], cargs: Any, cparams: dict[str, Any]) -> Any:
    """A new connection (SQLAlchemy's do_connect): refused at once while the server is
    known to be away; with the server's own statement bound when made for a request."""
    if not answering():
        return kind.connect(*cargs, **cparams)
    ask(kind.breaker)
    milliseconds = int(kind.seconds * 1000)
    options = f"{cparams.get('options', '')} -c statement_timeout={milliseconds}".strip()
    try:
        made = kind.connect(*cargs, **{**cparams, "options": options})
    except psycopg.OperationalError as error:
        kind.breaker.trip(error)
        raise
    kind.breaker.succeeded()
    return made
