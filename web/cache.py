"""A small shared cache (Flask-Caching): Redis when REDIS_URL is set, else in-process.

Used for values every page needs and writes rarely change (the popular tags). Any
cache error falls back to computing the value: the cache can only make pages faster.
"""

from collections.abc import Callable
from contextlib import suppress
from typing import TypeVar

import redis
from flask import Flask, has_app_context
from flask_caching import Cache

T = TypeVar("T")
cache = Cache()
POPULAR_TAGS = "popular-tags"


def init_app(app: Flask) -> None:
    url = app.config.get("REDIS_URL")
    prefix = app.config.get("CACHE_KEY_PREFIX") or "conduit:cache:"
    config = {"CACHE_DEFAULT_TIMEOUT": 300, "CACHE_KEY_PREFIX": prefix}
    if url:
        config |= {
            "CACHE_TYPE": "RedisCache",
            "CACHE_REDIS_URL": url,
            "CACHE_OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
        }
    else:
        config["CACHE_TYPE"] = "SimpleCache"
    cache.init_app(app, config=config)


def remember(key: str, compute: Callable[[], T]) -> T:
    try:
        found = cache.get(key)
    except redis.RedisError:  # an unreachable cache only makes the page slower
        return compute()
    if found is not None:
        return found  # type: ignore[no-any-return]
    value = compute()
    with suppress(redis.RedisError):
        cache.set(key, value)
    return value


def forget(key: str) -> None:
    """Drop a cached value after a write (no-op outside the app, e.g. in scripts)."""
    if not has_app_context():
        return
    with suppress(redis.RedisError):
        cache.delete(key)
