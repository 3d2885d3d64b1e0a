"""gunicorn settings for Conduit (used by the Procfile, the Dockerfile and the e2e server).

Environment: PORT (8000), WEB_CONCURRENCY (workers: 2 per CPU + 1, at most 8),
GUNICORN_THREADS (2 per worker), GUNICORN_TIMEOUT (30 s), GUNICORN_WORKER_CONNECTIONS
(1000), FORWARDED_ALLOW_IPS.
"""

import gc
import multiprocessing
import os
import tempfile

# The workers share their Prometheus figures through files (web/infra/metrics.py): a
# folder of this server's own unless the operator names one. Set before the app loads.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="conduit-metrics-")

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8)))
# Two threads: one runs Python while the other waits on the database or Redis. More only
# take turns on the interpreter lock, and that shows as a long tail of slow answers.
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
worker_class = "gthread"
# Open connections a worker accepts (live-update streams count): the `events` process
# holds one per stream.
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "1000"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30  # on SIGTERM/HUP, finish in-flight requests first
# Idle keep-alive connections close after 5 s; nginx closes its own idle connections to
# the app after 4 s (deploy/nginx.conf.j2), so it never reuses one gunicorn is closing.
keepalive = 5
# Recycle workers now and then (a guard against slow leaks; the soak watches memory),
# with jitter so they do not all restart: rarely, since a new worker starts with cold
# caches (its rendered pages, previews) and that shows as slow answers. A worker gives
# thousands of cached answers a second: a million is minutes of full load, days of a
# quieter site. Memory stays bounded meanwhile (the caches have a budget).
max_requests = 1_000_000
max_requests_jitter = 100_000
# The app loads once in the master; workers fork from it and open their own connections.
preload_app = True
# No control socket (gunicornc): it would live in $HOME, shared by every instance on a
# host and absent from a read-only container. Signals (HUP, TERM) manage the server.
control_socket_disable = True
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Each request is logged once, by the app (web/http/requestlog.py: JSON with its request id,
# user and duration); gunicorn logs only its own events and errors, in production as the
# same one-line JSON objects as the app (web/infra/logs.py).
accesslog = None
errorlog = "-"
if os.environ.get("CONDUIT_ENV", "production") == "production":
    logger_class = "web.infra.logs.GunicornLogger"


def when_ready(server):  # type: ignore[no-untyped-def]
    """Compile every template once, in the master: workers fork with them ready instead
    of each compiling them on its first requests. Then move everything loaded so far out
    of the garbage collector's sight (gc.freeze): it lives as long as the process, so the
    workers' full collections no longer walk it (shorter pauses: a shorter tail of slow answers),
    nor write to its pages (they stay shared with the master)."""
    app = server.app.wsgi()
    environment = getattr(app, "jinja_env", None)
    if environment is not None:
        for name in environment.list_templates():
            environment.get_template(name)
    gc.collect()
    gc.freeze()


def post_worker_init(worker):  # type: ignore[no-untyped-def]
    """A graceful stop (SIGTERM: a deploy, a restart, HUP's old workers) ends this
    worker's live-update streams at once, so it never waits out its graceful timeout on
    them; browsers reconnect to another worker or server and miss nothing."""
    import signal

    from web.infra.live import shut_down

    stop = worker.handle_exit

    def handle_exit(sig, frame):  # type: ignore[no-untyped-def]
        shut_down(worker.wsgi)
        stop(sig, frame)

    signal.signal(signal.SIGTERM, handle_exit)


def child_exit(_server, worker):  # type: ignore[no-untyped-def]
    """A worker that exits stops counting among the open live streams."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def post_fork(server, _worker):  # type: ignore[no-untyped-def]
    """Database connections opened in the master must not be shared with the workers:
    each worker starts with an empty pool of its own."""
    from web.db import EXTENSION, dispose

    app = server.app.wsgi()  # the preloaded Flask app
    if EXTENSION in getattr(app, "extensions", {}):
        dispose(app, close=False)
