"""Every Redis client the app makes, made here: short timeouts, no retries, a breaker.

Sessions, rate-limit counters, the cache's generation and live updates all use Redis
when REDIS_URL is set, and the app goes on without it when it stops answering. That
promise holds only if no call waits long: each connection gives up after `TIMEOUT`
(connecting and reading alike), redis-py's own retries (three, with seconds of backoff,
by default) are off, and once Redis fails to answer, the process's breaker
(web.infra.breakers) makes every call fail at once until a probe finds it back.
Blocking reads (the live-update reader's XREAD) pass a longer `read_timeout`.
"""

from typing import Any
from urllib.parse import urlsplit

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from web.infra.breakers import Breaker, Open, breaker

TIMEOUT = 0.25  # seconds: Redis answers in well under a millisecond when it answers
FAILURES = (redis.ConnectionError, redis.TimeoutError, OSError)


class GuardedConnection(redis.Connection):
    """A connection that asks the breaker first and trips it when Redis stalls."""

    breaker: Breaker

    def connect(self) -> None:
        self._guard(super().connect)

    def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        self._guard(lambda: super(GuardedConnection, self).send_packed_command(
            command, check_health))  # fmt: skip

    def read_response(self, *args: Any, **kwargs: Any) -> Any:
        return self._guard(lambda: super(GuardedConnection, self).read_response(*args, **kwargs))

    def _guard(self, call: Any) -> Any:
        if getattr(self, "_guarded", False):  # inside a guarded call (connect's handshake)
            return call()
        try:
            self.breaker.check()
        except Open as away:
            raise redis.ConnectionError(str(away)) from None
        self._guarded = True
        try:
            result = call()
        except FAILURES as error:
            self.breaker.trip(error)
            raise
        except redis.RedisError:  # an answer, if not the one hoped for: Redis is there
            self.breaker.succeeded()
            raise
        finally:
            self._guarded = False
        self.breaker.succeeded()
        return result


def server_name(url: str) -> str:
    """Names the server in logs and breakers (never its password)."""
    parts = urlsplit(url)
    return f"Redis at {parts.hostname or 'localhost'}:{parts.port or 6379}"


def pool(url: str, *, read_timeout: float = TIMEOUT) -> redis.ConnectionPool:
    """A connection pool for `url` with the process's breaker for that server."""
    guarded = type("Guarded", (GuardedConnection,), {"breaker": breaker(server_name(url))})
    return redis.ConnectionPool.from_url(
        url,
        connection_class=guarded,
        socket_timeout=read_timeout,
        socket_connect_timeout=TIMEOUT,
        retry=Retry(NoBackoff(), 0),
        health_check_interval=0,
    )


def client(url: str, *, read_timeout: float = TIMEOUT) -> redis.Redis:
    """A Redis client for `url` (see the module's docstring)."""
    return redis.Redis(connection_pool=pool(url, read_timeout=read_timeout))
