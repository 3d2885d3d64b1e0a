"""Run the production shape on this machine: a PostgreSQL database of its own, two
gunicorn app servers on Redis, and nginx in front (deploy/nginx.conf.j2).

Used by the scale-out test (tests/test_scaleout.py) and the soak script
(deploy/soak.py). Everything it starts is stopped, and its database dropped, on exit.
"""

import os
import socket
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
class Stack:
    url: str  # nginx, in front of everything
    database: str
    apps: list[subprocess.Popen[bytes]] = field(default_factory=list)
    runtime: Path = Path()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[bytes], what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not start within {seconds:.0f} s")


@contextmanager
def database(server_url: str) -> Iterator[str]:
    """A PostgreSQL database made for this run on `server_url`'s server, then dropped."""
    from web.config import normalise_database_url

    server = make_url(normalise_database_url(server_url))
    name = f"conduit_stack_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        for _ in range(30):  # the server may be restarting (the soak restarts it)
            try:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                break
            except Exception:  # retried, then given up on loudly below
                time.sleep(1)
        else:
            print(f"could not drop database {name}", file=sys.stderr)
        admin.dispose()


@contextmanager
def stack(server_url: str, redis_url: str, runtime: Path, **settings: str) -> Iterator[Stack]:
    """Two gunicorn instances (one worker each) behind nginx, on a database of their own."""
    with ExitStack() as cleanup:
        db_url = cleanup.enter_context(database(server_url))
        env = {
            **os.environ,
            "CONDUIT_ENV": "testing",  # plain HTTP here: production cookies are Secure-only
            "SECRET_KEY": SECRET,
            "DATABASE_URL": db_url,
            "REDIS_URL": redis_url,
            "HOST": "127.0.0.1",
            "WEB_CONCURRENCY": "1",
            "GUNICORN_THREADS": "4",
            **settings,
        }
        migrate = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "web", "db", "upgrade"],
            cwd=ROOT, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if migrate.returncode != 0:
            raise RuntimeError(migrate.stderr)
        ports = [free_port(), free_port()]
        gunicorn = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "web:create_app()"]
        apps = []
        for number, port in enumerate(ports, start=1):
            log = cleanup.enter_context((runtime / f"app{number}.log").open("w"))
            instance = {**env, "PORT": str(port), "INSTANCE_NAME": f"app{number}"}
            app = subprocess.Popen(gunicorn, cwd=ROOT, env=instance, stdout=log, stderr=log)
            cleanup.callback(_stop, app)
            wait_for(f"http://127.0.0.1:{port}/healthz", app, f"app{number}")
            apps.append(app)

        from deploy.render_nginx import render

        listen = free_port()
        conf = runtime / "nginx.conf"
        conf.write_text(
            render(
                upstreams=[f"127.0.0.1:{port}" for port in ports],
                listen=f"127.0.0.1:{listen}",
                static_root=str(ROOT / "static"),
                runtime=str(runtime),
            )
        )
        log = cleanup.enter_context((runtime / "nginx.out").open("w"))
        nginx = subprocess.Popen(
            ["nginx", "-c", str(conf), "-g", "daemon off;"], stdout=log, stderr=log
        )
        cleanup.callback(_stop, nginx)
        url = f"http://127.0.0.1:{listen}"
        wait_for(f"{url}/healthz", nginx, "nginx")
        yield Stack(url=url, database=db_url, apps=apps, runtime=runtime)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
