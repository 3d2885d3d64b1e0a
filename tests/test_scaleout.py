"""Scale-out: two gunicorn app servers behind nginx, on PostgreSQL and Redis.

Run by .ci/run (`pytest -m scaleout`) with DATABASE_URL and REDIS_URL pointing at
servers and nginx installed. Through nginx it signs up, signs in, writes an article and
reads it back while requests alternate between the instances; it checks static files
come from nginx with cache headers, X-Request-ID round-trips and /readyz is green.
Everything it starts (processes, a database of its own) is stopped or dropped.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest
import requests
from sqlalchemy import create_engine, make_url, text

from web.config import normalise_database_url

pytestmark = pytest.mark.scaleout

ROOT = Path(__file__).resolve().parent.parent
SECRET = "scale-out-secret-" + "0123456789abcdef" * 2


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(url: str, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not start within 30 s")


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith("postgres"):
        pytest.fail("the scale-out test needs DATABASE_URL pointing at PostgreSQL")
    server = make_url(normalise_database_url(server_url))
    name = f"conduit_scaleout_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def site(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.fail("the scale-out test needs REDIS_URL")
    if shutil.which("nginx") is None:
        pytest.fail("the scale-out test needs nginx (apt-get install nginx)")
    runtime = tmp_path_factory.mktemp("scaleout")
    env = {
        **os.environ,
        "CONDUIT_ENV": "testing",  # plain HTTP here: production cookies would be Secure-only
        "SECRET_KEY": SECRET,
        "DATABASE_URL": database,
        "REDIS_URL": redis_url,
        "HOST": "127.0.0.1",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "4",
    }
    migrate = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "web", "db", "upgrade"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert migrate.returncode == 0, migrate.stderr

    processes: list[subprocess.Popen[bytes]] = []
    logs: list[IO[str]] = []
    ports = [_free_port(), _free_port()]
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "web:create_app()"]
    try:
        for number, port in enumerate(ports, start=1):
            logs.append((runtime / f"app{number}.log").open("w"))
            instance = {**env, "PORT": str(port), "INSTANCE_NAME": f"app{number}"}
            processes.append(
                subprocess.Popen(gunicorn, cwd=ROOT, env=instance, stdout=logs[-1], stderr=logs[-1])
            )
            _wait_for(f"http://127.0.0.1:{port}/healthz", processes[-1], f"app{number}")

        from deploy.render_nginx import render

        listen = _free_port()
        conf = runtime / "nginx.conf"
        conf.write_text(
            render(
                upstreams=[f"127.0.0.1:{port}" for port in ports],
                listen=f"127.0.0.1:{listen}",
                static_root=str(ROOT / "static"),
                runtime=str(runtime),
            )
        )
        logs.append((runtime / "nginx.out").open("w"))
        nginx = ["nginx", "-c", str(conf), "-g", "daemon off;"]
        processes.append(subprocess.Popen(nginx, stdout=logs[-1], stderr=logs[-1]))
        url = f"http://127.0.0.1:{listen}"
        _wait_for(f"{url}/healthz", processes[-1], "nginx")
        yield url
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs:
            log.close()


CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def _token(browser: requests.Session, url: str) -> str:
    match = CSRF.search(browser.get(url, timeout=10).text)
    assert match
    return match.group(1)


def test_a_member_journey_across_two_instances(site: str):
    browser = requests.Session()
    served_by: list[str] = []
    browser.hooks["response"].append(
        lambda response, *_args, **_kwargs: served_by.append(
            response.headers.get("X-Served-By", "")
        )
    )
    name = f"scaler{uuid.uuid4().hex[:6]}"

    signed_up = browser.post(
        f"{site}/register",
        data={"username": name, "email": f"{name}@example.com", "password": "long enough",
              "csrf_token": _token(browser, f"{site}/register")},
        timeout=10,
    )  # fmt: skip
    assert signed_up.status_code == 200, signed_up.text[:500]
    assert f"Welcome to Conduit, {name}!" in signed_up.text

    browser.post(f"{site}/logout", data={"csrf_token": _token(browser, f"{site}/")}, timeout=10)
    signed_in = browser.post(
        f"{site}/login",
        data={"email": f"{name}@example.com", "password": "long enough",
              "csrf_token": _token(browser, f"{site}/login")},
        timeout=10,
    )  # fmt: skip
    assert f"Welcome back, {name}!" in signed_in.text

    written = browser.post(
        f"{site}/editor",
        data={"title": f"Scaled {name}", "description": "Two servers", "body": "**Hello**",
              "tags": "scale", "csrf_token": _token(browser, f"{site}/editor")},
        timeout=10,
    )  # fmt: skip
    assert written.status_code == 200
    assert written.url.endswith(f"/article/scaled-{name}")
    for _ in range(6):  # read it back, whichever instance answers
        page = browser.get(written.url, timeout=10)
        assert "<strong>Hello</strong>" in page.text
        assert "Edit article" in page.text  # still signed in: the session lives in Redis

    assert {"app1", "app2"} <= set(served_by), served_by


def test_static_files_come_from_nginx_with_cache_headers(site: str):
    home = requests.get(site, timeout=10).text
    css = re.search(r'href="(/static/css/conduit\.css\?v=[0-9a-f]+)"', home)
    assert css
    fingerprinted = requests.get(site + css.group(1), timeout=10)
    assert fingerprinted.status_code == 200
    assert fingerprinted.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "X-Served-By" not in fingerprinted.headers  # nginx answered, not an app server
    assert fingerprinted.headers.get("Content-Encoding") == "gzip"
    plain = requests.get(f"{site}/static/css/conduit.css", timeout=10)
    assert plain.headers["Cache-Control"] == "public, max-age=3600"


def test_request_ids_round_trip(site: str):
    given = requests.get(f"{site}/", headers={"X-Request-ID": "scale-req-42"}, timeout=10)
    assert given.headers["X-Request-ID"] == "scale-req-42"
    made = requests.get(f"{site}/", timeout=10).headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)  # nginx's $request_id, passed to the app


def test_ready_through_nginx(site: str):
    ready = requests.get(f"{site}/readyz", timeout=10)
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}
