"""Run the production shape on this machine: a PostgreSQL database of its own, two
gunicorn app servers on Redis, and nginx in front (deploy/nginx.conf.j2).

Used by the scale-out test (tests/system/test_scaleout.py) and the soak script
(deploy/soak.py). Everything it starts is stopped, and its database dropped, on exit.
"""

import os
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parent.parent
SECRET = "scale-out-secret-" + "0123456789abcdef" * 2


@dataclass
class App:
    """One gunicorn app server: how to start it again on the same port."""

    number: int
    port: int
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> None:
        command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "web:create_app()"]
        with self.log.open("a") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=log)
        wait_for(f"http://127.0.0.1:{self.port}/healthz", self.process, f"app{self.number}")

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process)


@dataclass
class Stack:
    url: str  # nginx, in front of everything (https:// with tls=True)
    database: str
    apps: list[App] = field(default_factory=list)
    runtime: Path = Path()
    ca: str | None = None  # the self-signed certificate to trust, with tls=True
    nginx_options: dict[str, object] = field(default_factory=dict)

    def render_nginx(self, draining: App | None = None) -> None:
        from deploy.render_nginx import render

        upstreams = [
            f"127.0.0.1:{app.port}" + (" down" if app is draining else "") for app in self.apps
        ]
        conf = render(upstreams=upstreams, **self.nginx_options)  # type: ignore[arg-type]
        (self.runtime / "nginx.conf").write_text(conf)

    def reload_nginx(self) -> None:
        subprocess.run(["nginx", "-c", str(self.runtime / "nginx.conf"), "-s", "reload"],
                       check=True, capture_output=True)  # fmt: skip
        time.sleep(1)  # the old workers finish what they were doing, the new ones take over

    def restart(self, app: App) -> None:
        """A rolling restart of one app server, as a deploy does it: nginx stops sending it
        requests (reload: in-flight ones finish), it stops gracefully and starts again,
        then nginx sends it requests again. Nobody sees an error."""
        self.render_nginx(draining=app)
        self.reload_nginx()
        app.stop()
        app.start()
        self.render_nginx()
        self.reload_nginx()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(
    url: str,
    process: subprocess.Popen[bytes],
    what: str,
    seconds: float = 30,
    ca: str | None = None,
) -> None:
    context = ssl.create_default_context(cafile=ca) if ca else None
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1, context=context):
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not start within {seconds:.0f} s")


@contextmanager
def database(server_url: str) -> Iterator[str]:
    """A database made for this run on `server_url`'s server (PostgreSQL or MySQL/MariaDB),
    then dropped."""
    from web.config import normalise_database_url

    server = make_url(normalise_database_url(server_url))
    name = f"conduit_stack_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    force = " WITH (FORCE)" if server.get_backend_name() == "postgresql" else ""
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        for _ in range(30):  # the server may be restarting (the soak restarts it)
            try:
                with admin.connect() as connection:
                    connection.execute(text(f"DROP DATABASE IF EXISTS {name}{force}"))
                break
            except Exception:  # retried, then given up on loudly below
                time.sleep(1)
        else:
            print(f"could not drop database {name}", file=sys.stderr)
        admin.dispose()


def self_signed_certificate(runtime: Path) -> tuple[str, str]:
    """A certificate for 127.0.0.1 and localhost, made with openssl for this run."""
    cert, key = runtime / "cert.pem", runtime / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return str(cert), str(key)


@contextmanager
def stack(
    server_url: str,
    redis_url: str,
    runtime: Path,
    *,
    tls: bool = False,
    edge_limits: dict[str, object] | None = None,
    **settings: str,
) -> Iterator[Stack]:
    """Two gunicorn instances (one worker each) behind nginx, on a database of their own.
    With tls, nginx serves HTTPS (a certificate made for the run) and the apps run in
    production mode; without, plain HTTP and testing mode (production cookies are
    Secure-only). edge_limits overrides nginx's request-rate options."""
    with ExitStack() as cleanup:
        db_url = cleanup.enter_context(database(server_url))
        # nginx's addresses first: the app servers build their links on the site's.
        listen, secure = free_port(), free_port()
        url = f"https://127.0.0.1:{secure}" if tls else f"http://127.0.0.1:{listen}"
        env = {
            **os.environ,
            "SITE_URL": url,
            "CONDUIT_ENV": "production" if tls else "testing",
            "SECRET_KEY": SECRET,
            "DATABASE_URL": db_url,
            "REDIS_URL": redis_url,
            "HOST": "127.0.0.1",
            "WEB_CONCURRENCY": "1",
            "GUNICORN_THREADS": "4",
            "MAIL_OUTBOX": str(runtime / "outbox"),
            **settings,
        }
        migrate = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "web", "db", "upgrade"],
            cwd=ROOT, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if migrate.returncode != 0:
            raise RuntimeError(migrate.stderr)
        apps = []
        for number in (1, 2):
            port = free_port()
            instance = {**env, "PORT": str(port), "INSTANCE_NAME": f"app{number}"}
            app = App(number, port, instance, runtime / f"app{number}.log")
            cleanup.callback(app.stop)
            app.start()
            apps.append(app)

        options: dict[str, object] = {
            "server_name": "127.0.0.1",
            "listen": f"127.0.0.1:{listen}",
            "static_root": str(ROOT / "static"),
            "runtime": str(runtime),
            **(edge_limits or {}),
        }
        ca = None
        if tls:
            ca, key = self_signed_certificate(runtime)
            options |= {"tls_cert": ca, "tls_key": key, "tls_listen": f"127.0.0.1:{secure}"}
        running = Stack(url=url, database=db_url, apps=apps, runtime=runtime, ca=ca,
                        nginx_options=options)  # fmt: skip
        running.render_nginx()
        log = cleanup.enter_context((runtime / "nginx.out").open("w"))
        nginx = subprocess.Popen(
            ["nginx", "-c", str(runtime / "nginx.conf"), "-g", "daemon off;"],
            stdout=log, stderr=log,
        )  # fmt: skip
        cleanup.callback(_stop, nginx)
        wait_for(f"{url}/healthz", nginx, "nginx", ca=ca)
        yield running


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
