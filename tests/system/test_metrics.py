"""Prometheus metrics: /metrics for the scraper alone, every answer counted by endpoint
(the replay layer's too), and the figures the app knows (caches, queries, sign-ins,
mails, live updates, refusals). Counters live as long as the process: each test
compares a figure before and after what it does."""

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import AuthActions, free_port, make_test_app
from tests.factories import make_articles, make_user
from web.db import dispose
from web.infra import live

ROOT = Path(__file__).resolve().parents[2]
SCRAPER = {"REMOTE_ADDR": "127.0.0.1"}


def figures(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def figure(client, name: str, **labels: str) -> float:
    answer = client.get("/metrics", environ_base=SCRAPER)
    assert answer.status_code == 200
    return figures(answer.text).get((name, frozenset(labels.items())), 0.0)


def test_only_the_scraper_reads_the_figures(client):
    answer = client.get("/metrics", environ_base=SCRAPER)
    assert answer.status_code == 200
    assert answer.mimetype == "text/plain"
    assert answer.headers["Cache-Control"] == "no-store"
    assert "conduit_http_requests_total" in answer.text
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code == 404
    # Through the trusted proxy, the client it names is asked about, not the proxy.
    forwarded = client.get("/metrics", environ_base=SCRAPER,
                           headers={"X-Forwarded-For": "203.0.113.7"})  # fmt: skip
    assert forwarded.status_code == 404
    # Asked by address, whatever Host the scraper sends (as the health checks are).
    by_address = client.get("/metrics", environ_base=SCRAPER, headers={"Host": "10.0.0.5:8000"})
    assert by_address.status_code == 200


def test_the_scraper_s_addresses_are_a_setting(db_url):
    app = make_test_app(db_url, METRICS_ALLOW_IPS="10.1.0.0/16")
    try:
        client = app.test_client()
        assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
        assert client.get("/metrics", environ_base=SCRAPER).status_code == 404
    finally:
        dispose(app)


def test_every_answer_is_counted_by_endpoint_never_by_path(client, db):
    make_articles(db, make_user(db, "writer"), 1)
    seen = ("conduit_http_requests_total", {"endpoint": "articles.show", "method": "GET",
                                            "status": "200"})  # fmt: skip
    missing = ("conduit_http_requests_total", {"endpoint": "none", "method": "GET",
                                               "status": "404"})  # fmt: skip
    before = figure(client, seen[0], **seen[1]), figure(client, missing[0], **missing[1])
    assert client.get("/article/article-1").status_code == 200
    assert client.get("/no/such/page-9c1d").status_code == 404
    assert client.open("/", method="BREW").status_code in (400, 405)
    after = figure(client, seen[0], **seen[1]), figure(client, missing[0], **missing[1])
    assert after == (before[0] + 1, before[1] + 1)
    text = client.get("/metrics", environ_base=SCRAPER).text
    assert "article-1" not in text  # a path never becomes a label
    assert "page-9c1d" not in text
    assert 'method="BREW"' not in text  # nor a method nobody knows
    assert 'conduit_http_request_duration_seconds_bucket{endpoint="articles.show"' in text
    assert figure(client, "conduit_sql_queries_per_request_count") > 0


def test_caches_are_counted_by_layer(client, db):
    """An answer the same for everyone is given again before Flask runs (counted as the
    endpoint "replay"); a member's pages reuse remembered fragments."""
    make_articles(db, make_user(db, "writer"), 3)
    hits = figure(client, "conduit_cache_total", layer="replay", result="hit")
    replayed = figure(client, "conduit_http_requests_total", endpoint="replay", method="GET",
                      status="200")  # fmt: skip
    visitor = client.application.test_client()
    for _ in range(3):
        assert visitor.get("/api/tags").status_code == 200
    assert figure(client, "conduit_cache_total", layer="replay", result="hit") == hits + 2
    assert figure(client, "conduit_http_requests_total", endpoint="replay", method="GET",
                  status="200") == replayed + 2  # fmt: skip
    fragments = figure(client, "conduit_cache_total", layer="fragment", result="hit")
    member = client.application.test_client()
    AuthActions(member).register("reader")
    member.get("/")
    member.get("/")
    assert figure(client, "conduit_cache_total", layer="fragment", result="hit") > fragments


def test_sign_ins_sign_ups_mails_and_refusals_are_counted(db_url):
    # No alert mail to the account owner here (its failures are counted, not told).
    app = make_test_app(db_url, RATELIMIT_ENABLED=True, SIGNIN_LIMIT_PER_IP="2 per minute",
                        SIGNIN_ALERT_AFTER=1000)  # fmt: skip
    try:
        client = app.test_client()
        names = [
            ("conduit_signups_total", {}),
            ("conduit_signins_total", {"result": "ok"}),
            ("conduit_signins_total", {"result": "failed"}),
            ("conduit_mails_total", {"result": "sent"}),
            ("conduit_rate_limited_total", {}),
        ]
        before = [figure(client, name, **labels) for name, labels in names]
        auth = AuthActions(client)
        auth.register("counted")  # a sign-up, its confirmation mail
        auth.logout()
        stranger = app.test_client()
        stranger.environ_base["REMOTE_ADDR"] = "198.51.100.9"  # limited on its own
        AuthActions(stranger).login("counted@example.com", "wrong password")
        AuthActions(stranger).login("counted@example.com", "wrong again")
        assert AuthActions(stranger).login("counted@example.com").status_code == 429
        auth.login("counted@example.com")
        after = [figure(client, name, **labels) for name, labels in names]
        assert [b - a for a, b in zip(before, after, strict=True)] == [1, 1, 2, 1, 1]
    finally:
        dispose(app)


def test_live_streams_and_events_are_counted(app, db):
    from tests.caching.test_live import Listener

    writer = make_user(db, "writer")
    client = app.test_client()
    published = figure(client, "conduit_live_events_published_total")
    open_before = figure(client, "conduit_live_streams")
    stream = Listener(app.test_client(), "/live/feed")
    stream.next("hello")
    assert figure(client, "conduit_live_streams") == open_before + 1
    with app.app_context():
        make_articles(db, writer, 1)
    stream.next("articles")
    assert figure(client, "conduit_live_events_published_total") >= published + 1
    stream.close()
    live.shut_down(app)  # ends the stream now, rather than at its next heartbeat
    for _ in range(100):
        if figure(client, "conduit_live_streams") == open_before:
            break
        time.sleep(0.05)
    assert figure(client, "conduit_live_streams") == open_before


def _serve(db_url: str, folder: Path, port: int) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ, "DATABASE_URL": db_url, "PORT": str(port), "HOST": "127.0.0.1",
        "WEB_CONCURRENCY": "2", "CONDUIT_ENV": "production", "SECRET_KEY": "s" * 40,
        "SITE_URL": f"http://127.0.0.1:{port}", "PROMETHEUS_MULTIPROC_DIR": str(folder),
    }  # fmt: skip
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "web:create_app()"],
        cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def test_gunicorn_workers_share_their_figures(db_url, tmp_path):
    """Under gunicorn every worker counts into files the scrape reads together: after a
    reload (HUP: new workers, the old ones gone), a new worker's scrape still shows what
    the old ones answered."""
    port = free_port()
    folder = tmp_path / "metrics"  # its own: every *.db file in it is read as figures
    folder.mkdir()
    server = _serve(db_url, folder, port)
    base = f"http://127.0.0.1:{port}"
    healthz = frozenset({"endpoint": "health.healthz", "method": "GET", "status": "200"}.items())

    def ask(_: int = 0) -> int:
        return requests.get(f"{base}/healthz", timeout=5).status_code

    try:
        _until(lambda: _answers(base))
        with ThreadPoolExecutor(4) as pool:
            assert set(pool.map(ask, range(40))) == {200}
        old = {int(f.stem.split("_")[-1]) for f in folder.glob("counter_*.db")} - {server.pid}
        assert old, "a worker counted"
        server.send_signal(signal.SIGHUP)
        _until(lambda: not any(_alive(pid) for pid in old))
        scraped = requests.get(f"{base}/metrics", timeout=5)
        assert scraped.status_code == 200
        assert figures(scraped.text)[("conduit_http_requests_total", healthz)] >= 41
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def _until(condition, seconds: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.1)


def _answers(base: str) -> bool:
    try:
        return requests.get(f"{base}/healthz", timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
