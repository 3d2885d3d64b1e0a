"""Live-update streams under load: page throughput with and without 1,000 idle streams.

    make bench-live                      # 1,000 streams
    make bench-live ARGS="--streams 300"

It seeds a small SQLite database, starts the app servers (as the Procfile's `web`) and
the events server (as its `events`: one worker of many threads, streams only), measures
the home page with wrk, opens the idle streams on the events server (each waits for
events and gets a heartbeat), measures the home page again and the events server's
memory, then publishes one article through an app server and times how long the
streams take to hear it (through Redis with REDIS_URL, else through the database). Not
a test: the numbers depend on the machine.
"""

import argparse
import asyncio
import os
import re
import resource
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlsplit

import requests

from bench.run import SECRET, ensure_wrk, server, worker_rss_mib, wrk
from bench.seed import PASSWORD, seed
from deploy.stack import ROOT


def all_workers_rss_mib(master: int) -> float:
    total = 0.0
    for task in Path(f"/proc/{master}/task").glob("*"):
        children = task / "children"
        for child in children.read_text().split() if children.exists() else []:
            status = Path(f"/proc/{child}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024  # type: ignore[union-attr]
    return total


async def hold(url: str, count: int, opened: list[int], heard: list[float], stop: asyncio.Event,
               published: list[float]) -> None:  # fmt: skip
    """`count` idle streams; each notes when it has connected and when it hears 'articles'."""
    parts = urlsplit(url)

    async def one(number: int) -> None:
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        # Readers of their own, as nginx tells the app (each has a fair share of streams).
        reader_address = f"10.{number // 65536}.{number // 256 % 256}.{number % 256}"
        writer.write(f"GET {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                     f"X-Forwarded-For: {reader_address}\r\n"
                     "Accept: text/event-stream\r\n\r\n".encode())  # fmt: skip
        await writer.drain()
        connected = False
        while not stop.is_set():
            try:
                line = await asyncio.wait_for(reader.readline(), timeout=1)
            except TimeoutError:
                continue
            if not line:
                break
            if line.startswith(b"event: hello") and not connected:
                connected = True
                opened.append(1)
            if line.startswith(b"event: articles") and published:
                heard.append(time.monotonic() - published[0])
        writer.close()

    tasks = []
    for number in range(count):
        tasks.append(asyncio.create_task(one(number)))
        await asyncio.sleep(0.002)  # a ramp, not a stampede
    await asyncio.gather(*tasks, return_exceptions=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    ensure_wrk()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, args.streams + 512)), hard))
    with ExitStack() as cleanup:
        folder = Path(cleanup.enter_context(tempfile.TemporaryDirectory()))
        db_url = f"sqlite:///{folder / 'bench.db'}"
        env = {**os.environ, "CONDUIT_ENV": "production", "SECRET_KEY": SECRET,
               "SITE_URL": "http://127.0.0.1", "DATABASE_URL": db_url,
               "WEB_CONCURRENCY": "2"}  # fmt: skip
        workers = 1  # as the Procfile's `events`: fair shares are kept per process
        import subprocess

        subprocess.run([sys.executable, "-m", "flask", "--app", "web", "db", "upgrade"],
                       cwd=ROOT, env=env, check=True, capture_output=True)  # fmt: skip
        from sqlalchemy import create_engine

        engine = create_engine(db_url)
        seed(engine, users=50, articles=200, comments=200)
        engine.dispose()
        pages, pages_master = cleanup.enter_context(
            server("web:create_app()", env, folder / "pages.log")
        )
        per_worker = args.streams + 24
        events_env = {**env, "WEB_CONCURRENCY": str(workers),
                      "GUNICORN_THREADS": str(per_worker + 20),
                      "GUNICORN_WORKER_CONNECTIONS": str(per_worker + 100),
                      "LIVE_STREAMS_MAX": str(per_worker),
                      # The bench's streams all come from one address.
                      "LIVE_STREAMS_PER_CLIENT": str(per_worker)}  # fmt: skip
        events, events_master = cleanup.enter_context(
            server("web:create_app()", events_env, folder / "events.log")
        )
        before = [wrk(f"{pages}/", [], args.seconds, args.connections) for _ in range(2)]
        idle_rss = all_workers_rss_mib(events_master)

        opened: list[int] = []
        heard: list[float] = []
        published: list[float] = []

        async def scenario() -> tuple[float, list]:
            stop = asyncio.Event()
            holding = asyncio.create_task(
                hold(f"{events}/live/feed", args.streams, opened, heard, stop, published)
            )
            deadline = time.monotonic() + 60
            while len(opened) < args.streams and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
            loop = asyncio.get_running_loop()
            measure = (wrk, f"{pages}/", [], args.seconds, args.connections)
            during = [await loop.run_in_executor(None, *measure) for _ in range(2)]
            rss = all_workers_rss_mib(events_master)
            # One article published through an app server reaches every stream.
            published.append(time.monotonic())
            await loop.run_in_executor(None, publish_one, pages)
            wait_until = time.monotonic() + 10
            while len(heard) < len(opened) and time.monotonic() < wait_until:
                await asyncio.sleep(0.05)
            stop.set()
            await holding
            return rss, during

        rss, during = asyncio.run(scenario())
        base = statistics.median(r.rps for r in before)
        loaded = statistics.median(r.rps for r in during)
        print(f"\n{len(opened):,} of {args.streams:,} streams open on the events server "
              f"({workers} worker of {per_worker + 20} threads; events through "
              f"{'Redis' if env.get('REDIS_URL') else 'the database'})\n")  # fmt: skip
        print("| measure | without streams | with streams |")
        print("| --- | --- | --- |")
        print(f"| home page req/s (app servers) | {base:.0f} | {loaded:.0f} "
              f"({loaded / base:.0%}) |")  # fmt: skip
        print(f"| home page p99 ms | {max(r.p99_ms for r in before):.1f} | "
              f"{max(r.p99_ms for r in during):.1f} |")  # fmt: skip
        print(f"| events server RSS MiB (all workers) | {idle_rss:.0f} | {rss:.0f} "
              f"(+{(rss - idle_rss) * 1024 / max(len(opened), 1):.0f} KiB a stream) |")  # fmt: skip
        if heard:
            p50, slowest = statistics.median(heard) * 1000, max(heard) * 1000
            print(f"| one event heard by | - | {len(heard):,} streams, p50 {p50:.0f} ms, "
                  f"max {slowest:.0f} ms |")  # fmt: skip
        print(f"\nlargest app-server worker: {worker_rss_mib(pages_master):.0f} MiB")


def publish_one(server: str) -> None:
    """Write an article through `server` (its broker tells every stream)."""
    api = requests.post(f"{server}/api/users/login", json={"user": {
        "email": "writer1@example.com", "password": PASSWORD}}, timeout=10).json()  # fmt: skip
    token = api["user"]["token"]
    answer = requests.post(f"{server}/api/articles", json={"article": {
        "title": f"Heard {time.time()}", "description": "d", "body": "b"}},
        headers={"Authorization": f"Token {token}"}, timeout=10)  # fmt: skip
    answer.raise_for_status()


if __name__ == "__main__":
    main()
