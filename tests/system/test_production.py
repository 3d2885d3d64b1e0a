"""Production concerns: security headers, cookies, proxies, health, logs, static files,
and the deployment files (gunicorn, nginx, Docker)."""

import http.client
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from sqlalchemy import text

from tests.conftest import free_port, make_test_app
from web.db import dispose, engine_of
from web.http.security import CSP

ROOT = Path(__file__).resolve().parents[2]
EXPECTED_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
PAGES = [
    "/", "/?page=2", "/login", "/register", "/profile/writer", "/article/article-1",
    "/search?q=article", "/no/such/page", "/api/tags", "/api/docs", "/healthz",
]  # fmt: skip


@pytest.fixture(autouse=True)
def _gunicorn_conf_leaves_the_environment_as_it_was():  # type: ignore[no-untyped-def]
    """gunicorn.conf.py names a folder for the workers' figures in os.environ (as a
    server's master should); the tests that read it must not leave it to later tests."""
    before = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    yield
    if before is None:
        os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
    else:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = before


@pytest.fixture
def site(db, client, auth):
    from tests.factories import make_articles, make_user

    make_articles(db, make_user(db, "writer"), 12)
    return client


def test_csp_is_strict():
    assert CSP == EXPECTED_CSP
    assert "unsafe-inline" not in CSP
    assert "unsafe-eval" not in CSP


@pytest.mark.parametrize("url", PAGES)
def test_security_headers_on_every_page_type(site, url):
    headers = site.get(url).headers
    assert headers["Content-Security-Policy"] == EXPECTED_CSP
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in headers  # only in production


INLINE = [
    re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),  # a script element without src
    re.compile(r"<style\b", re.I),
    re.compile(r"\sstyle\s*=", re.I),
    re.compile(r"\son[a-z]+\s*=", re.I),  # onclick= and friends
    re.compile(r"\shx-on", re.I),
    re.compile(r"javascript:", re.I),
]


@pytest.mark.parametrize("url", [u for u in PAGES if not u.startswith(("/api/tags", "/healthz"))])
def test_no_inline_script_or_style_in_any_page(site, auth, url):
    for who in ("visitor", "member"):
        if who == "member":
            auth.register("reader")
        html = site.get(url).text
        for pattern in INLINE:
            assert not pattern.search(html), (url, who, pattern.pattern)


def test_production_cookies_and_hsts(db_url, monkeypatch):
    app = make_test_app(db_url, CONDUIT_ENV="production")
    assert app.config["SESSION_COOKIE_SECURE"] is False  # make_test_app keeps testing values
    monkeypatch.setenv("CONDUIT_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("SITE_URL", "https://conduit.example")
    monkeypatch.delenv("CORS_ORIGINS", raising=False)
    prod = __import__("web.config", fromlist=["load"]).load("/tmp")
    assert prod["SESSION_COOKIE_SECURE"] is True
    assert prod["REMEMBER_COOKIE_SECURE"] is True
    assert prod["SESSION_COOKIE_HTTPONLY"] is True
    assert prod["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert prod["CORS_ORIGINS"] == "*"  # the API reads no cookie: any origin may call it
    production_app = make_test_app(db_url, CONDUIT_ENV="production", SESSION_COOKIE_SECURE=True)
    response = production_app.test_client().get("/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    plain = production_app.test_client().get("/login")  # HTTP: HSTS would mean nothing
    assert "Strict-Transport-Security" not in plain.headers
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    for each in (app, production_app):
        dispose(each)


def test_one_trusted_proxy(db_url):
    """Client IP and scheme come from the last hop only (nginx); earlier hops are ignored."""
    from flask import request

    app = make_test_app(db_url, SITE_URL="https://conduit.example")
    client = app.test_client()

    @app.get("/_whoami")
    def whoami() -> dict[str, str]:
        return {"ip": request.remote_addr or "", "scheme": request.scheme, "host": request.host}

    seen = client.get(
        "/_whoami",
        headers={
            "X-Forwarded-For": "6.6.6.6, 203.0.113.7",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "conduit.example",
        },
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    ).json
    assert seen == {"ip": "203.0.113.7", "scheme": "https", "host": "conduit.example"}
    assert client.get("/_whoami").json["ip"] == "127.0.0.1"
    dispose(app)


@pytest.mark.parametrize(
    ("trusted", "peer", "believed"),
    [
        ("127.0.0.1,::1", "127.0.0.1", True),
        ("127.0.0.1,::1", "10.0.0.5", False),
        ("10.0.0.0/8, 192.168.1.2", "10.0.0.5", True),
        ("*", "172.18.0.4", True),  # compose: the app servers are reachable by nginx only
        ("", "127.0.0.1", False),
    ],
)
def test_which_proxies_are_believed(trusted, peer, believed):
    from web.http.security import TrustedProxies

    def echo(environ, start_response):
        start_response("200 OK", [])
        return [environ["REMOTE_ADDR"].encode()]

    proxies = TrustedProxies(echo, trusted)
    environ = {"REMOTE_ADDR": peer, "HTTP_X_FORWARDED_FOR": "203.0.113.7",
               "REQUEST_METHOD": "GET", "PATH_INFO": "/", "SERVER_NAME": "x",
               "SERVER_PORT": "80", "wsgi.url_scheme": "http"}  # fmt: skip
    seen = b"".join(proxies(environ, lambda *_: None)).decode()
    assert seen == ("203.0.113.7" if believed else peer)


def test_health_endpoints(client):
    live = client.get("/healthz")
    assert (live.status_code, live.json) == (200, {"status": "ok"})
    assert live.headers["Cache-Control"] == "no-store"
    ready = client.get("/readyz")
    assert ready.status_code == 200
    expected = {
        "database": "ok",
        **({"redis": "ok"} if client.application.config["REDIS_URL"] else {}),
    }
    assert ready.json == {"status": "ok", "checks": expected}
    assert ready.headers["Cache-Control"] == "no-store"


def test_readyz_when_the_database_is_down():
    app = make_test_app("postgresql+psycopg://nobody@127.0.0.1:1/none")  # nothing listens
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
    assert response.json["checks"]["database"].startswith("unreachable")
    assert app.test_client().get("/healthz").status_code == 200


def test_readyz_when_migrations_are_pending(app):
    engine = engine_of(app)
    with engine.begin() as connection:
        head = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        connection.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    try:
        response = app.test_client().get("/readyz")
        assert response.status_code == 503
        assert response.json["checks"]["database"] == "migrations pending"
    finally:  # (on PostgreSQL the next tests share this database)
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :head"),
                               {"head": head})  # fmt: skip


def test_readyz_and_pages_when_redis_is_down(db_url):
    # Sessions, cache and readiness use the dead Redis. (Rate-limit storage stays in memory:
    # the limiter is one per process, and its own fallback is Flask-Limiter's to test.)
    app = make_test_app(
        db_url, REDIS_URL="redis://127.0.0.1:1/0", RATELIMIT_STORAGE_URI="memory://"
    )
    client = app.test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json["checks"]["redis"].startswith("unreachable")
    # Pages keep being served: no session (a visitor), no cache, never a 500.
    for url in ["/", "/login", "/search?q=x"]:
        assert client.get(url).status_code == 200
    dispose(app)


def test_request_ids(client):
    given = client.get("/", headers={"X-Request-ID": "abc-123"})
    assert given.headers["X-Request-ID"] == "abc-123"
    made = client.get("/").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    forged = client.get("/", headers={"X-Request-ID": "<bad id with spaces>"})
    assert re.fullmatch(r"[0-9a-f]{32}", forged.headers["X-Request-ID"])


def test_request_ids_are_believed_from_the_trusted_proxy_only(client):
    """A client reaching the app directly cannot choose the id its lines are logged by."""
    stranger = client.get("/", headers={"X-Request-ID": "chosen-1"},
                          environ_base={"REMOTE_ADDR": "203.0.113.9"})  # fmt: skip
    assert re.fullmatch(r"[0-9a-f]{32}", stranger.headers["X-Request-ID"])
    proxied = client.get("/", headers={"X-Request-ID": "nginx-1"})  # from 127.0.0.1: trusted
    assert proxied.headers["X-Request-ID"] == "nginx-1"


def _json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_every_log_line_is_one_json_object_in_production(db_url, capsys):
    """The access line, an app warning and a traceback: each one JSON object on one line,
    with time, level, logger, message and the request's id (and member's, when known)."""
    app = make_test_app(db_url, CONDUIT_ENV="production", ACCESS_LOG=True)
    from tests.conftest import AuthActions

    @app.get("/boom-for-the-log")
    def boom() -> str:
        from flask_login import current_user

        assert current_user.is_authenticated  # the view knows its member, as pages do
        app.logger.warning("about to fail\nover two lines")
        raise RuntimeError("the traceback goes in its line")

    try:
        client = app.test_client()
        capsys.readouterr()
        assert client.get("/login?x=1", headers={"X-Request-ID": "req-1"}).status_code == 200
        AuthActions(client).register("logged")
        capsys.readouterr()
        assert client.get("/boom-for-the-log", headers={"X-Request-ID": "req-2"}).status_code == 500
        lines = _json_lines(capsys.readouterr().err)
    finally:
        dispose(app)
    warning = next(line for line in lines if line["message"] == "about to fail\nover two lines")
    assert warning["level"] == "WARNING"
    assert warning["logger"] == "web"
    assert warning["request_id"] == "req-2"
    assert isinstance(warning["member_id"], int)
    assert str(warning["time"])[:4].isdigit()
    failure = next(line for line in lines if line["level"] == "ERROR")
    assert "RuntimeError: the traceback goes in its line" in str(failure["exc_info"])
    assert failure["request_id"] == "req-2"
    access = next(line for line in lines if line["logger"] == "conduit.access")
    assert access["status"] == 500
    assert access["path"] == "/boom-for-the-log"
    assert access["request_id"] == "req-2"
    assert access["user_id"] == warning["member_id"]
    assert access["duration_ms"] >= 0


def test_gunicorn_logs_in_the_same_json(monkeypatch, capsys):
    """gunicorn's own lines are the app's JSON, set up as gunicorn sets its logging up;
    it writes no access lines (the app logs each request once)."""
    import logging

    from gunicorn.config import Config

    monkeypatch.setenv("CONDUIT_ENV", "production")
    config: dict[str, object] = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), config)
    settings = Config()
    settings.set("logger_class", config["logger_class"])
    logger = settings.logger_class(settings)
    try:
        logging.getLogger("gunicorn.error").info("Booting worker with pid: %s", 42)
        (line,) = _json_lines(capsys.readouterr().err)
    finally:
        logging.getLogger("gunicorn.error").handlers.clear()
    assert line["logger"] == "gunicorn.error"
    assert line["level"] == "INFO"
    assert line["message"] == "Booting worker with pid: 42"
    assert not logger.access_log_enabled
    monkeypatch.setenv("CONDUIT_ENV", "development")
    readable: dict[str, object] = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), readable)
    assert "logger_class" not in readable


def test_instance_name_header(db_url):
    app = make_test_app(db_url, INSTANCE_NAME="app7")
    assert app.test_client().get("/healthz").headers["X-Served-By"] == "app7"
    dispose(app)


def test_static_urls_are_fingerprinted(client):
    html = client.get("/").text
    css = re.search(r'href="(/static/css/conduit\.css\?v=([0-9a-f]{12}))"', html)
    assert css
    with client.get(css.group(1)) as response:
        assert response.status_code == 200


# --- deployment files ---------------------------------------------------------------------


def test_procfile_runs_gunicorn_and_migrations():
    lines = dict(line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines())
    assert "gunicorn -c gunicorn.conf.py" in lines["web"]
    assert lines["release"].strip() == "flask --app web db upgrade"
    # Live-update streams in a pool of their own: many threads, most of them for streams.
    events = lines["events"]
    assert "gunicorn -c gunicorn.conf.py" in events
    sizes = dict(re.findall(r"(\w+)=\$\{\w+:-(\d+)\}", events))
    _sized_for_a_thousand_streams(sizes)
    assert lines["worker"].strip() == "flask --app web mail worker"  # the mail queue's


def _sized_for_a_thousand_streams(sizes: dict[str, str]) -> None:
    """At least 1,000 streams in one process, a thread for each and some for pages,
    and a connection for each thread."""
    streams, threads = int(sizes["LIVE_STREAMS_MAX"]), int(sizes["GUNICORN_THREADS"])
    assert streams >= 1000
    assert threads >= streams + 50
    assert int(sizes["GUNICORN_WORKER_CONNECTIONS"]) >= threads
    assert sizes["WEB_CONCURRENCY"] == "1"  # fair shares are kept per process


def test_gunicorn_config(monkeypatch):
    monkeypatch.setenv("PORT", "9123")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    config: dict[str, object] = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), config)
    assert config["bind"] == "0.0.0.0:9123"
    assert config["workers"] == 3
    assert config["preload_app"] is True
    assert config["accesslog"] is None  # the app logs each request, once
    assert callable(config["post_fork"])
    assert config["max_requests"] >= 500_000  # recycling starts workers cold: rarely
    assert callable(config["when_ready"])  # templates compiled once, in the master


def test_dockerfile_structure():
    dockerfile = (ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM \S+ AS (\S+)", dockerfile, re.M)
    assert {"assets", "python-deps", "web", "proxy"} <= set(stages)
    web = dockerfile.split("AS web", 1)[1]
    assert re.search(r"^USER conduit$", web, re.M)
    assert "HEALTHCHECK" in web
    assert "/healthz" in web
    assert 'CMD ["gunicorn", "-c", "gunicorn.conf.py", "web:create_app()"]' in web
    assert "npm ci" in dockerfile
    assert "vendor-assets" in dockerfile  # the same list of front-end files as make setup
    for base in ("NODE_IMAGE", "PYTHON_IMAGE", "NGINX_IMAGE"):  # local images can stand in
        assert re.search(rf"^ARG {base}=\S+$", dockerfile, re.M)
        assert f"FROM ${{{base}}}" in dockerfile
    assert "SECRET_KEY" not in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", "node_modules", "static/vendor", ".env", ".mypy_cache"} <= set(ignored)


def test_compose_structure():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert {"nginx", "app1", "app2", "postgres", "redis", "migrate"} <= set(services)
    for name in ("app1", "app2"):
        app = services[name]
        assert app["build"]["target"] == "web"
        assert app["environment"]["DATABASE_URL"].startswith("postgresql+psycopg://")
        assert app["environment"]["REDIS_URL"] == "redis://redis:6379/0"
        assert "${SECRET_KEY:?" in app["environment"]["SECRET_KEY"]
        assert app["environment"]["INSTANCE_NAME"] == name
        assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert app["read_only"] is True
        assert app["tmpfs"] == ["/tmp"]
        assert app["environment"]["MAIL_OUTBOX"].startswith("/tmp/")  # writable there only
    assert services["migrate"]["command"] == ["flask", "--app", "web", "db", "upgrade"]
    assert services["nginx"]["build"]["target"] == "proxy"
    assert services["nginx"]["ports"] == ["${CONDUIT_PORT:-8080}:80"]
    assert services["nginx"]["depends_on"]["app1"]["condition"] == "service_healthy"
    events = services["events"]  # the live-update streams' own server
    _sized_for_a_thousand_streams(events["environment"])
    worker = services["worker"]  # sends the queued mail
    assert worker["command"] == ["flask", "--app", "web", "mail", "worker"]
    assert worker["environment"]["REDIS_URL"] == "redis://redis:6379/0"
    assert "rq.Worker.all" in " ".join(worker["healthcheck"]["test"])
    # Official images by default; deploy/docker-smoke names local stand-ins instead.
    assert services["postgres"]["image"] == "${POSTGRES_IMAGE:-postgres:15-bookworm}"
    assert services["app1"]["build"]["args"]["PYTHON_IMAGE"].startswith("${PYTHON_IMAGE:-python:")


def _render(tmp_path: Path, listen: str = "127.0.0.1:18080") -> Path:
    from deploy.render_nginx import render

    conf = render(
        upstreams=["127.0.0.1:8001", "127.0.0.1:8002"],
        server_name="conduit.example",
        listen=listen,
        static_root=str(ROOT / "static"),
        runtime=str(tmp_path),
    )
    path = tmp_path / "nginx.conf"
    path.write_text(conf)
    return path


def test_nginx_config_renders(tmp_path):
    conf = _render(tmp_path).read_text()
    assert "server 127.0.0.1:8001" in conf
    assert "server 127.0.0.1:8002" in conf
    assert "location /live/" in conf  # the streams: unbuffered, long-lived
    assert "proxy_buffering off;" in conf
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf
    assert "proxy_set_header X-Request-ID $conduit_request_id;" in conf
    assert "max-age=31536000, immutable" in conf
    assert "client_max_body_size 1m;" in conf
    assert "gzip on;" in conf
    assert f"alias {ROOT / 'static'}/;" in conf
    assert "server_name conduit.example;" in conf
    assert "listen 127.0.0.1:18080 default_server;" in conf  # unknown hosts end there


def test_nginx_config_needs_the_sites_name(tmp_path):
    from deploy.render_nginx import render

    for name in ("", "_"):
        with pytest.raises(ValueError, match="server-name"):
            render(upstreams=["127.0.0.1:8001"], server_name=name, runtime=str(tmp_path))


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed (CI installs it)")
def test_nginx_accepts_the_rendered_config(tmp_path):
    result = subprocess.run(
        ["nginx", "-t", "-c", str(_render(tmp_path))], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed (CI installs it)")
def test_nginx_answers_unknown_hosts_itself(tmp_path):
    """A forged Host never reaches an app server: nginx's default server answers 400.
    (The upstreams here do not exist: the site's own name gets nginx's 502.)"""
    port = free_port()
    conf = _render(tmp_path, listen=f"127.0.0.1:{port}")
    nginx = subprocess.Popen(["nginx", "-c", str(conf), "-g", "daemon off;"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        for _ in range(50):
            try:
                status = _status(port, "conduit.example")
                break
            except OSError:
                time.sleep(0.1)
        assert status == 502  # proxied, to app servers that are not there
        assert _status(port, "conduit.example:8080") == 502
        for stranger in ("evil.example", "evil.example:443", "127.0.0.1"):
            assert _status(port, stranger) == 400, stranger
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)


@pytest.mark.skipif(shutil.which("promtool") is None,
                    reason="promtool is not installed (CI installs prometheus)")  # fmt: skip
def test_the_alert_rules_are_valid_and_fire_when_they_should():
    """deploy/prometheus/alerts.yml: valid rules, and promtool's own unit tests of them
    (each alert fires on the series that should fire it, and only then)."""
    folder = ROOT / "deploy" / "prometheus"
    for command in (["check", "rules", "alerts.yml"], ["test", "rules", "alerts_test.yml"]):
        result = subprocess.run(["promtool", *command], cwd=folder, capture_output=True,
                                text=True, check=False, timeout=60)  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr


def test_nginx_never_passes_the_metrics_on(tmp_path):
    conf = _render(tmp_path).read_text()
    block = conf.split("location = /metrics {", 1)[1].split("}", 1)[0]
    assert "return 404" in block
    assert "proxy_pass" not in block


def _status(port: int, host: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/", headers={"Host": host})
        return connection.getresponse().status
    finally:
        connection.close()


def test_templates_are_compiled_in_the_master_before_workers_fork(app):
    config: dict[str, object] = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), config)
    server = type("Arbiter", (), {"app": type("Loaded", (), {"wsgi": lambda _self: app})()})()
    app.jinja_env.cache.clear()
    config["when_ready"](server)  # type: ignore[operator]
    names = app.jinja_env.list_templates()
    assert "articles/show.html" in names
    assert len(app.jinja_env.cache) == len(names)
