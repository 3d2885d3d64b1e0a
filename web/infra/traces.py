"""Traces: OpenTelemetry, on when an exporter is configured by the standard variables.

`OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) sends spans over
OTLP/HTTP, batched; `OTEL_SERVICE_NAME` names the service ("conduit" by default), and the
SDK reads its other `OTEL_*` variables itself (headers, sampler, resource attributes).
`OTEL_TRACES_EXPORTER=none` or no endpoint: nothing is instrumented and nothing costs.

Each request Flask answers is a span (the replay layer's answers, given before Flask
runs, are counted by the metrics but not traced), with a child for every SQL statement
and Redis command; a request that carries a W3C
`traceparent` continues its caller's trace. The trace id is in the request's log lines
(web.infra.logs).
"""

import os
import threading

from flask import Flask
from opentelemetry import trace
from opentelemetry.instrumentation.flask import FlaskInstrumentor
from opentelemetry.instrumentation.redis import RedisInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.resources import OTEL_SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from web.db import engines_of

_started = threading.Lock()
_redis = False


def configured() -> bool:
    """Whether the environment names somewhere to send spans."""
    if os.environ.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower() == "none":
        return False
    return bool(
        os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    )


def init_app(app: Flask) -> None:
    """Trace this app when spans have somewhere to go: an exporter from the environment,
    or a tracer provider set before (TRACING=True: the tests' in-memory one)."""
    if configured():
        _provide()
    elif not app.config.get("TRACING"):
        return
    FlaskInstrumentor().instrument_app(app, excluded_urls="healthz,metrics")
    # The instrumentation declares SQLAlchemy below 2.1; the engine events it listens to
    # are the same in 2.1 (tests/system/test_traces.py sees the statements' spans).
    SQLAlchemyInstrumentor().instrument(
        engines=engines_of(app), enable_commenter=False, skip_dep_check=True
    )
    _instrument_redis()


def _provide() -> None:
    """The process's tracer provider, exporting over OTLP/HTTP (once per process)."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    with _started:
        if isinstance(trace.get_tracer_provider(), TracerProvider):
            return
        name = os.environ.get(OTEL_SERVICE_NAME) or "conduit"
        provider = TracerProvider(resource=Resource.create({"service.name": name}))
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(timeout=5)))
        trace.set_tracer_provider(provider)


def _instrument_redis() -> None:
    global _redis
    with _started:
        if not _redis:  # redis-py is instrumented for the whole process
            RedisInstrumentor().instrument()
            _redis = True


def trace_id() -> str | None:
    """The current trace's id (32 hex digits), or None outside a traced request."""
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None
