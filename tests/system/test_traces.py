"""Traces (OpenTelemetry): a request's span continues the caller's W3C trace, its SQL
(and Redis, when configured) are its children, its log lines carry the trace id; and a
process configured by the standard OTEL_* variables sends its spans over OTLP/HTTP."""

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from opentelemetry import trace
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from tests.conftest import csrf_token, make_test_app
from tests.factories import make_articles, make_user
from web.db import dispose
from web.infra import traces

ROOT = Path(__file__).resolve().parents[2]
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{PARENT_ID}-01"


@pytest.fixture(scope="module")
def exported() -> Iterator[InMemorySpanExporter]:
    """This process's tracer provider, keeping spans in memory (set once per process)."""
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter
    exporter.shutdown()


@pytest.fixture
def traced(db_url: str, exported: InMemorySpanExporter):  # type: ignore[no-untyped-def]
    app = make_test_app(db_url, TRACING=True, CONDUIT_ENV="production", ACCESS_LOG=True)
    exported.clear()
    yield app
    dispose(app)


def test_a_request_continues_its_caller_s_trace_with_its_sql_inside(traced, exported, db):
    make_articles(db, make_user(db, "writer"), 1)
    answer = traced.test_client().get("/article/article-1", headers={"traceparent": TRACEPARENT})
    assert answer.status_code == 200
    spans = exported.get_finished_spans()
    (server,) = [span for span in spans if span.kind == SpanKind.SERVER]
    assert format(server.context.trace_id, "032x") == TRACE_ID  # the caller's trace
    assert format(server.parent.span_id, "016x") == PARENT_ID  # type: ignore[union-attr]
    assert server.name == "GET /article/<slug>"  # the route, never the path
    attributes = dict(server.attributes or {})
    assert 200 in (attributes.get("http.response.status_code"), attributes.get("http.status_code"))
    queries = [span for span in spans if span.kind == SpanKind.CLIENT
               and "db.system" in str(dict(span.attributes or {}))]  # fmt: skip
    inside = [span for span in queries if span.parent is not None
              and span.parent.span_id == server.context.span_id]  # fmt: skip
    assert inside, [(span.name, span.parent) for span in spans]
    assert all(span.context.trace_id == server.context.trace_id for span in inside)


@pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (CI's PostgreSQL pass)"
)
def test_redis_calls_are_spans_of_their_request(db_url, exported):
    """A failed sign-in counts against its limits in Redis, inside the request."""
    app = make_test_app(db_url, TRACING=True, RATELIMIT_ENABLED=True)
    try:
        client = app.test_client()
        token = csrf_token(client)
        exported.clear()
        answer = client.post("/login", data={"email": "nobody@example.com", "password": "wrong",
                                             "csrf_token": token})  # fmt: skip
        assert answer.status_code == 422  # refused, after counting the attempt
    finally:
        dispose(app)
    spans = exported.get_finished_spans()
    (server,) = [span for span in spans if span.kind == SpanKind.SERVER]
    inside = [span for span in spans if span.parent is not None
              and span.parent.span_id == server.context.span_id]  # fmt: skip
    commands = [span for span in inside if "redis" in str(dict(span.attributes or {})).lower()]
    assert commands, [(span.name, span.parent) for span in spans]


def test_the_trace_id_is_in_the_request_s_log_lines(traced, exported, capsys):
    capsys.readouterr()
    traced.test_client().get("/login", headers={"traceparent": TRACEPARENT})
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    access = next(line for line in lines if line["logger"] == "conduit.access")
    assert access["trace_id"] == TRACE_ID


def test_untraced_apps_cost_nothing(db_url, exported):
    app = make_test_app(db_url)
    try:
        exported.clear()
        app.test_client().get("/login", headers={"traceparent": TRACEPARENT})
    finally:
        dispose(app)
    assert [s for s in exported.get_finished_spans() if s.kind == SpanKind.SERVER] == []
    assert not traces.configured()


class Collector(BaseHTTPRequestHandler):
    received: list[ExportTraceServiceRequest] = []

    def do_POST(self) -> None:  # the http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        self.received.append(request)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


SCRIPT = """
from opentelemetry import trace
from tests.conftest import csrf_token, make_test_app
app = make_test_app({url!r})
assert app.test_client().get("/login").status_code == 200
trace.get_tracer_provider().shutdown()  # exports what is batched, within its timeout
"""


def test_the_otel_variables_send_spans_over_otlp_http(db_url):
    received: list[ExportTraceServiceRequest] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("C", (Collector,), {"received": received}))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{server.server_port}"
    environment = {**os.environ, "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
                   "OTEL_SERVICE_NAME": "conduit-test"}  # fmt: skip
    try:
        command = [sys.executable, "-c", SCRIPT.format(url=db_url)]
        done = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True,
                              text=True, timeout=60)  # fmt: skip
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode == 0, done.stderr
    spans = [
        (resource.resource, span)
        for request in received
        for resource in request.resource_spans
        for scope in resource.scope_spans
        for span in scope.spans
    ]
    names = {span.name for _resource, span in spans}
    assert "GET /login" in names, names
    services = {attribute.value.string_value for resource, _span in spans
                for attribute in resource.attributes
                if attribute.key == "service.name"}  # fmt: skip
    assert services == {"conduit-test"}
