"""Servers of a test's own: a Redis, a PostgreSQL and a MariaDB started for one test,
which the test may pause (SIGSTOP), resume and stop without touching the machine's own."""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from werkzeug.serving import make_server

POSTGRES_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
MARIADBD = shutil.which("mariadbd", path=f"{os.environ.get('PATH', '')}:/usr/sbin")


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """The app on a threaded HTTP server in this process (a thread per request)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def have_redis() -> bool:
    return shutil.which("redis-server") is not None


def have_postgres() -> bool:
    """PostgreSQL's programs are here, and a user other than root may run them."""
    return bool(POSTGRES_BIN) and (os.geteuid() != 0 or shutil.which("runuser") is not None)


def have_mariadb() -> bool:
    """MariaDB's programs are here (the server is in /usr/sbin, often off PATH)."""
    return MARIADBD is not None and shutil.which("mariadb-install-db") is not None


@dataclass
class Server:
    """A server process in a process group of its own (a PostgreSQL's backends too)."""

    process: subprocess.Popen[bytes]
    url: str
    port: int

    def pause(self) -> None:
        """Stop the server and every process it started (PostgreSQL's backends each
        lead a session of their own: a process group would miss them)."""
        self._signal(signal.SIGSTOP)

    def resume(self) -> None:
        self._signal(signal.SIGCONT)

    def _signal(self, number: int) -> None:
        for pid in _tree(self.process.pid):
            with suppress(ProcessLookupError):  # (a backend that just ended)
                os.kill(pid, number)

    def stop(self) -> None:
        self.resume()
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def _tree(root: int) -> list[int]:
    """`root` and its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, waiting = [], [root]
    while waiting:
        pid = waiting.pop()
        found.append(pid)
        waiting.extend(children.get(pid, []))
    return found


def _wait_for_port(port: int, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not start")


@contextmanager
def own_redis() -> Iterator[Server]:
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    server = Server(process, f"redis://127.0.0.1:{port}/0", port)
    try:
        _wait_for_port(port, process, "redis-server")
        yield server
    finally:
        server.stop()


@contextmanager
def own_postgres() -> Iterator[Server]:
    """A PostgreSQL cluster in a temporary folder, trust auth, database `conduit`."""
    binaries = POSTGRES_BIN[-1]
    folder = Path(tempfile.mkdtemp(prefix="conduit-pg-"))
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        shutil.chown(folder, "postgres")
    data = folder / "data"
    subprocess.run(
        [*as_postgres, str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U",
         "postgres", "--no-sync"],
        check=True, capture_output=True,
    )  # fmt: skip
    port = free_port()
    process = subprocess.Popen(
        [*as_postgres, str(binaries / "postgres"), "-D", str(data), "-p", str(port),
         "-k", str(folder), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    server = Server(process, f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", port)
    try:
        _wait_for_port(port, process, "postgres")
        for _ in range(100):  # the port opens a moment before connections are accepted
            ready = subprocess.run([str(binaries / "pg_isready"), "-h", "127.0.0.1", "-p",
                                    str(port)], capture_output=True, check=False)  # fmt: skip
            if ready.returncode == 0:
                break
            time.sleep(0.1)
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def own_mariadb() -> Iterator[Server]:
    """A MariaDB server in a temporary folder, user root without a password, database
    `conduit` (made with the server's defaults: Latin-1, as a fresh install has)."""
    folder = Path(tempfile.mkdtemp(prefix="conduit-mariadb-"))
    user = ["--user=mysql"] if os.geteuid() == 0 else []
    if user:
        shutil.chown(folder, "mysql")
    data = folder / "data"
    subprocess.run(
        ["mariadb-install-db", "--no-defaults", f"--datadir={data}", *user,
         "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve"],
        check=True, capture_output=True,
    )  # fmt: skip
    port = free_port()
    process = subprocess.Popen(
        [str(MARIADBD), "--no-defaults", f"--datadir={data}", *user, f"--port={port}",
         "--bind-address=127.0.0.1", f"--socket={folder / 'socket'}",
         f"--pid-file={folder / 'pid'}", "--skip-log-bin", "--innodb-buffer-pool-size=32M",
         "--innodb-flush-log-at-trx-commit=0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    server = Server(process, f"mysql+pymysql://root@127.0.0.1:{port}/mysql", port)
    try:
        _wait_for_port(port, process, "mariadbd")
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
