"""Circuit breakers: a server that stopped answering is not asked again at once.

A stalled server (paused, partitioned, failing over) costs each caller its whole timeout.
After one such failure a breaker *opens* for `cooldown` seconds: every call fails at
once (the callers answer 503 or go on without it) instead of queueing behind the same
wait, so a stall never holds every thread. Once the cooldown is over one caller, and
only one, probes the server again: success closes the breaker, failure opens it anew.
"""

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from web.infra.metrics import SERVER_FAILURES

log = logging.getLogger("conduit.breakers")


class Open(Exception):
    """The server is known to be away: not asked."""


@dataclass
class Breaker:
    name: str
    cooldown: float = 1.0
    # While one caller probes a server that was away, the others keep failing fast.
    probe_for: float = 5.0
    open_until: float = 0.0
    tripped: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def check(self) -> None:
        """Raise Open while the breaker is open; let one caller through to probe."""
        if not self.tripped:
            return
        with self.lock:
            now = time.monotonic()
            if now < self.open_until:
                raise Open(f"{self.name} is unavailable (stopped answering recently)")
            self.open_until = now + self.probe_for  # this caller probes; others wait
        return

    def trip(self, reason: object) -> None:
        SERVER_FAILURES.labels("redis" if self.name.startswith("Redis") else "database").inc()
        with self.lock:
            if not self.tripped:
                log.warning("%s stopped answering (%s): not asked for %.1f s",
                            self.name, reason, self.cooldown)  # fmt: skip
            self.tripped = True
            self.open_until = time.monotonic() + self.cooldown

    def succeeded(self) -> None:
        if self.tripped:
            with self.lock:
                if self.tripped:
                    log.warning("%s answers again", self.name)
                self.tripped = False
                self.open_until = 0.0

    @contextmanager
    def guarding(self, failures: tuple[type[BaseException], ...]) -> Iterator[None]:
        """Run a call to the server: its `failures` trip the breaker, success closes it."""
        self.check()
        try:
            yield
        except failures as error:
            self.trip(error)
            raise
        self.succeeded()


_breakers: dict[str, Breaker] = {}
_made = threading.Lock()


def breaker(name: str, cooldown: float = 1.0) -> Breaker:
    """The process's breaker for `name` (one per server: every client of it shares it)."""
    with _made:
        found = _breakers.get(name)
        if found is None:
            found = _breakers[name] = Breaker(name, cooldown)
        return found
