"""Time the home page (full and fragment) on a seeded SQLite database.

    .venv/bin/python bench/home.py [--articles 1000] [--requests 200]

Prints requests per second and the median and 95th percentile latency. Not a test:
numbers depend on the machine; compare runs on the same one.
"""

import argparse
import os
import statistics
import tempfile
import time

os.environ.setdefault("CONDUIT_ENV", "testing")

from sqlmodel import Session

from web import create_app
from web.migrate import upgrade
from web.seed import seed_demo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        database = f"sqlite:///{folder}/bench.db"
        app = create_app({"DATABASE_URL": database, "SECRET_KEY": "bench-" * 8})
        with app.app_context():
            upgrade()
        with Session(app.extensions["conduit.db"]) as session:
            seed_demo(session=session, users=50, articles=args.articles)
        client = app.test_client()
        cases = {
            "full page 1": ("/", {}),
            "full page 40": ("/?page=40", {}),
            "feed fragment": ("/?page=2", {"HX-Request": "true", "HX-Target": "feed"}),
            "tag feed": ("/?tag=python", {}),
        }
        for name, (url, headers) in cases.items():
            client.get(url, headers=headers)  # warm up
            times = []
            for _ in range(args.requests):
                start = time.perf_counter()
                assert client.get(url, headers=headers).status_code == 200
                times.append(time.perf_counter() - start)
            p95 = statistics.quantiles(times, n=20)[-1]
            print(
                f"{name:14} {len(times) / sum(times):7.0f} req/s   "
                f"median {statistics.median(times) * 1000:5.1f} ms   p95 {p95 * 1000:5.1f} ms"
            )
        app.extensions["conduit.db"].dispose()


if __name__ == "__main__":
    main()
