"""Fingerprinted static URLs: url_for('static', ...) adds ?v=<content hash>, so nginx can
let browsers keep static files for a year and a changed file gets a new URL."""

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Flask


@lru_cache(maxsize=256)
def _digest(path: str, _mtime_ns: int) -> str:  # mtime in the key: edits get a new hash
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def init_app(app: Flask) -> None:
    folder = Path(app.static_folder or "static")

    @app.url_defaults
    def fingerprint(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint != "static" or "filename" not in values or "v" in values:
            return
        path = folder / values["filename"]
        if path.is_file():
            values["v"] = _digest(str(path), path.stat().st_mtime_ns)
