"""Reusing what the domain computes, without the domain knowing how.

`reused(key, compute)` is `compute()` until the caching layer (web.caching.generation)
installs a store that keeps values until the next committed write; scripts and domain
tests get plain computing.
"""

from collections.abc import Callable, Hashable
from typing import Protocol, TypeVar

T = TypeVar("T")


class Store(Protocol):
    def __call__(
        self, key: Hashable, compute: Callable[[], T], size: int | None = None, /
    ) -> T: ...


def _compute(_key: Hashable, compute: Callable[[], T], _size: int | None = None) -> T:
    return compute()


_store: Store = _compute


def install(store: Store) -> None:
    global _store
    _store = store


def reused(key: Hashable, compute: Callable[[], T], size: int | None = None) -> T:
    """`compute()`, or the value it gave since the last write that changed pages."""
    return _store(key, compute, size)
