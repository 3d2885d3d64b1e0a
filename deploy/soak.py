"""Soak: mixed traffic through nginx on two app servers, with PostgreSQL and Redis
restarted once in the middle. Not a test of speed: a test that nothing breaks.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python -m deploy.soak --seconds 600

It measures the stack's capacity for a few seconds, then sends reads, sign-ins and
writes at 70% of it. Halfway through it restarts the PostgreSQL cluster and the Redis
server this machine runs (it needs the rights to: root on CI). It fails (exit 1) on
any 5xx other than a 503 while a service is down, on any failed connection to nginx,
on a 503 once the services are back (after a short grace), or if an app server's
memory grows by more than half after warming up.
"""

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import requests

from deploy.stack import Stack, stack

CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')
GRACE = 10.0  # seconds after both services are back before a 503 counts as a failure


@dataclass
class Tally:
    """What every request got, by phase."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    phases: dict[str, Counter[str]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def add(self, phase: str, outcome: str, failure: str | None = None) -> None:
        with self.lock:
            self.phases.setdefault(phase, Counter())[outcome] += 1
            if failure and len(self.failures) < 50:
                self.failures.append(failure)


@dataclass
class Clock:
    """Which phase the soak is in: before, during (services down) or after (back)."""

    phase: str = "before"
    back_at: float = 0.0


class Visitor:
    """One person: reads pages, signs in now and then, comments and favorites."""

    def __init__(self, site: str, number: int) -> None:
        self.site = site
        self.browser = requests.Session()
        self.name = f"soak{number}{uuid.uuid4().hex[:4]}"
        self.email = f"{self.name}@example.com"
        self.slug: str | None = None

    def token(self, path: str) -> str:
        match = CSRF.search(self.browser.get(self.site + path, timeout=10).text)
        return match.group(1) if match else ""

    def sign_up(self) -> None:
        self.browser.post(
            f"{self.site}/register",
            data={"username": self.name, "email": self.email, "password": "soak password",
                  "csrf_token": self.token("/register")},
            timeout=10,
        )  # fmt: skip
        published = self.browser.post(
            f"{self.site}/editor",
            data={"title": f"Soaking {self.name}", "description": "d", "body": "Long **run**.",
                  "tags": "soak", "csrf_token": self.token("/editor")},
            timeout=10,
        )  # fmt: skip
        self.slug = published.url.rsplit("/", 1)[-1]

    def one(self) -> requests.Response:
        """One request of the mix: 60% reads, 15% sign-ins, 25% writes."""
        roll = random.random()
        article = f"/article/{self.slug}"
        if roll < 0.6:
            reads = ["/", "/?page=2", article, f"/profile/{self.name}", "/search?q=soaking",
                     "/api/articles?limit=10", "/api/tags"]  # fmt: skip
            path = random.choice(reads)
            return self.browser.get(self.site + path, timeout=10)
        if roll < 0.75:
            return self.browser.post(
                f"{self.site}/login",
                data={"email": self.email, "password": "soak password",
                      "csrf_token": self.token("/login")},
                timeout=10, allow_redirects=False,
            )  # fmt: skip
        if roll < 0.9:
            return self.browser.post(
                f"{self.site}{article}/comments",
                data={"body": "Still here.", "csrf_token": self.token(article)},
                timeout=10, allow_redirects=False,
            )  # fmt: skip
        return self.browser.post(
            f"{self.site}{article}/favorite",
            data={"csrf_token": self.token(article)}, timeout=10, allow_redirects=False,
        )  # fmt: skip


def classify(response: requests.Response, clock: Clock) -> tuple[str, str | None]:
    code = response.status_code
    outcome = f"{code // 100}xx" if code != 503 else "503"
    if code == 503:
        late = clock.phase == "after" and time.monotonic() > clock.back_at + GRACE
        return outcome, f"503 after recovery: {response.url}" if late else None
    if code >= 500:
        return outcome, f"{code} at {response.url}"
    return outcome, None


def drive(visitor: Visitor, clock: Clock, tally: Tally, stop: threading.Event, gap: float):
    while not stop.is_set():
        started = time.monotonic()
        try:
            response = visitor.one()
            outcome, failure = classify(response, clock)
        except requests.RequestException as error:
            outcome, failure = "no answer", f"no answer from nginx: {error}"
        tally.add(clock.phase, outcome, failure)
        stop.wait(max(0.0, gap - (time.monotonic() - started)))


def capacity(visitors: list[Visitor], seconds: float) -> float:
    """Requests per second the stack answers with every visitor going flat out."""
    done = Counter[str]()
    stop = threading.Event()

    def flat_out(visitor: Visitor) -> None:
        while not stop.is_set():
            try:
                visitor.one()
                done["ok"] += 1
            except requests.RequestException:
                done["lost"] += 1

    threads = [threading.Thread(target=flat_out, args=(v,)) for v in visitors]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return done["ok"] / seconds


def rss_kib(pid: int) -> int:
    """Resident memory of a process and its children (the gunicorn workers), in KiB."""
    total = 0
    for each in [pid, *_children(pid)]:
        status = Path(f"/proc/{each}/status")
        if status.exists():
            match = re.search(r"VmRSS:\s+(\d+)", status.read_text())
            total += int(match.group(1)) if match else 0
    return total


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        children = (task / "children").read_text().split() if (task / "children").exists() else []
        found += [int(c) for c in children]
    return found


def restart_services() -> float:
    """Restart this machine's PostgreSQL cluster and Redis server; seconds it took."""
    started = time.monotonic()
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(["redis-cli", "shutdown", "nosave"], check=False, capture_output=True)
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "stop",
                    "--mode", "fast"], check=True)  # fmt: skip
    time.sleep(3)  # a real gap: requests meet both services down
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
                   check=True)  # fmt: skip
    Path("/var/lib/redis").mkdir(parents=True, exist_ok=True)
    Path("/var/log/redis").mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379",
         "--save", "", "--appendonly", "no", "--dir", "/var/lib/redis",
         "--logfile", "/var/log/redis/ci.log"],
        check=True,
    )  # fmt: skip
    for _ in range(30):
        ready = subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1"], check=False)
        pong = subprocess.run(["redis-cli", "ping"], check=False, capture_output=True, text=True)
        if ready.returncode == 0 and pong.stdout.strip() == "PONG":
            break
        time.sleep(1)
    return time.monotonic() - started


def soak(running: Stack, seconds: float, people: int) -> bool:
    visitors = [Visitor(running.url, n) for n in range(people)]
    for visitor in visitors:
        visitor.sign_up()
    rate = capacity(visitors, 5.0) * 0.7
    gap = people / rate  # each visitor's pause between requests, to hold 70% of capacity
    print(f"capacity ~{rate / 0.7:.0f} req/s; soaking at {rate:.0f} req/s for {seconds:.0f} s")
    clock, tally, stop = Clock(), Tally(), threading.Event()
    threads = [threading.Thread(target=drive, args=(v, clock, tally, stop, gap)) for v in visitors]
    for thread in threads:
        thread.start()
    time.sleep(min(10.0, seconds / 6))  # warm up before measuring memory
    memory_start = [rss_kib(app.pid) for app in running.apps]
    time.sleep(max(0.0, seconds / 2 - min(10.0, seconds / 6)))
    clock.phase = "during"
    took = restart_services()
    clock.phase, clock.back_at = "after", time.monotonic()
    print(f"PostgreSQL and Redis restarted ({took:.1f} s)")
    time.sleep(max(GRACE + 5, seconds / 2))
    memory_end = [rss_kib(app.pid) for app in running.apps]
    stop.set()
    for thread in threads:
        thread.join()

    print("| phase | " + " | ".join(["2xx", "3xx", "4xx", "503", "5xx", "no answer"]) + " |")
    print("| --- " * 7 + "|")
    for phase in ("before", "during", "after"):
        counts = tally.phases.get(phase, Counter())
        cells = [str(counts[k]) for k in ("2xx", "3xx", "4xx", "503", "5xx", "no answer")]
        print(f"| {phase} | " + " | ".join(cells) + " |")
    for number, (start, end) in enumerate(zip(memory_start, memory_end, strict=True), 1):
        print(f"app{number} memory: {start // 1024} MiB -> {end // 1024} MiB")
    for app in running.apps:
        print(f"app{app.number} metrics: {scraped(app.port)}")
    grew = [end > start * 1.5 for start, end in zip(memory_start, memory_end, strict=True)]
    if any(grew):
        tally.failures.append("an app server's memory grew by more than half")
    after = tally.phases.get("after", Counter())
    if after["2xx"] == 0:
        tally.failures.append("nothing succeeded after the restart: no recovery")
    for failure in tally.failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return not tally.failures


def scraped(port: int) -> str:
    """What an app server's /metrics says of the run (asked directly, as Prometheus does)."""
    from prometheus_client.parser import text_string_to_metric_families

    try:
        text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    except requests.RequestException as error:
        return f"not scraped ({error})"
    sums: Counter[str] = Counter()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "conduit_http_requests_total":
                sums["answers"] += int(sample.value)
                sums[f"{sample.labels['status'][0]}xx"] += int(sample.value)
            elif sample.name == "conduit_cache_total":
                sums[f"cache {sample.labels['result']}"] += int(sample.value)
            elif sample.name in (
                "conduit_server_failures_total",
                "conduit_unavailable_answers_total",
            ):
                sums[sample.name.removeprefix("conduit_").removesuffix("_total")] += int(
                    sample.value
                )
    return ", ".join(f"{name} {value}" for name, value in sorted(sums.items()))


def error_blocks(lines: list[str], limit: int = 3) -> list[str]:
    """The first few tracebacks a log holds: what a failure report needs most."""
    found: list[str] = []
    inside = False
    for line in lines:
        if line.startswith("Traceback"):
            inside = True
            limit -= 1
        if inside and limit >= 0:
            found.append(line)
        # A traceback ends with the exception's own line, the first one not indented.
        inside = inside and (line.startswith((" ", "Traceback", "During", "The above")) or not line)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--people", type=int, default=8)
    args = parser.parse_args()
    server_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not server_url.startswith("postgres") or not redis_url or shutil.which("nginx") is None:
        sys.exit("the soak needs DATABASE_URL (PostgreSQL), REDIS_URL and nginx")
    # Everyone comes from this machine: limits per address would only measure themselves.
    limits = {"SIGNIN_LIMIT_PER_IP": "100000 per minute",
              "SIGNIN_LIMIT_PER_ACCOUNT": "100000 per minute"}  # fmt: skip
    edge = {"accounts_rate": "100000r/m", "api_write_rate": "100000r/m"}  # nginx's, likewise
    with (
        tempfile.TemporaryDirectory() as runtime,
        stack(server_url, redis_url, Path(runtime), edge_limits=edge, **limits) as running,
    ):
        ok = soak(running, args.seconds, args.people)
        if not ok:
            for log in sorted(Path(runtime).glob("*.log")):
                lines = log.read_text().splitlines()
                print(f"--- {log.name} (errors, then last lines)", file=sys.stderr)
                print("\n".join(error_blocks(lines) + lines[-15:]), file=sys.stderr)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
