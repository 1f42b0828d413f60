"""OpenTelemetry tracing of a service process: one trace per tender, across the three services.

What makes the spans (the ecosystem's parts):
- FastStream's `KafkaTelemetryMiddleware` on every broker (`shared.kafka.broker`): a span per
  publish and per consumed message, the W3C `traceparent` carried in the Kafka headers;
- `FastAPIInstrumentor` on each HTTP app (`instrument_app`), the operational endpoints left out;
- `PymongoInstrumentor`: a span per MongoDB command (async client included: it listens to
  PyMongo's command monitoring, which the async client publishes inside the awaiting task),
  installed only with an exporter.

A batch consumer (the matcher's, the notifier's) gets one span from FastStream for the whole
batch, linked to its records' traces rather than inside them, so a tender's trace would stop at
its door. `BatchRecordSpans` adds, for each record that carries a `traceparent`, a span in that
record's own trace covering the batch's handling, linked to the batch's span; and what a handler
publishes for one record goes out in that record's trace when published inside
`record_trace(its key)` (the matcher's matches, under their tender's uid).

Where spans go is set by the environment (`configure_tracing`): `VIGIE_TRACES_EXPORTER=none`
(the default: trace ids are made, so they reach the logs and the Kafka headers, but no span is
recorded: recording spans nobody receives cost the matcher a quarter of its CPU), `otlp`
(OTLP over HTTP, for a deployment's collector; `VIGIE_TRACES_ENDPOINT`, default
http://127.0.0.1:4318/v1/traces) or `zipkin` (the local stack's Zipkin; default
http://127.0.0.1:9411/api/v2/spans). With an exporter, `VIGIE_TRACES_SAMPLE_RATIO` (default 1)
is the share of traces recorded, decided where a trace starts and followed downstream.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Literal

from fastapi import FastAPI
from faststream._internal.middlewares import BaseMiddleware
from faststream.message import StreamMessage
from opentelemetry import trace
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.pymongo import PymongoInstrumentor
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_OFF,
    Decision,
    ParentBased,
    Sampler,
    SamplingResult,
    TraceIdRatioBased,
)
from opentelemetry.trace import Link, Span, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

TracesExporter = Literal["none", "otlp", "zipkin"]
DEFAULT_ENDPOINTS = {
    "otlp": "http://127.0.0.1:4318/v1/traces",
    "zipkin": "http://127.0.0.1:9411/api/v2/spans",
}
# Scraped and probed every few seconds: spans of their own would bury the tenders' traces.
UNTRACED_PATHS = "metrics,health"
_PROPAGATOR = TraceContextTextMapPropagator()


def span_exporter(kind: TracesExporter, endpoint: str) -> SpanExporter:
    """The exporter of `VIGIE_TRACES_EXPORTER` (`otlp` or `zipkin`), sending to `endpoint`."""
    if kind == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter(endpoint=endpoint)
    from opentelemetry.exporter.zipkin.json import ZipkinExporter

    return ZipkinExporter(endpoint=endpoint)


class NoLoneClientSpans(Sampler):
    """The root sampler: a client call outside any trace is dropped. Those are the background
    MongoDB reads (the notifier's outbox poll every second, the matcher's reload), which would
    otherwise make a one-span trace each; a call inside a request or a message follows the
    parent's decision (`ParentBased`). Other roots are recorded at `ratio`, by trace id."""

    def __init__(self, ratio: float = 1.0) -> None:
        self._ratio = TraceIdRatioBased(ratio)

    def should_sample(
        self,
        parent_context: Any,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Any = None,
        links: Any = None,
        trace_state: Any = None,
    ) -> SamplingResult:
        if kind == SpanKind.CLIENT:
            return SamplingResult(Decision.DROP)
        return self._ratio.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return "NoLoneClientSpans"


def sampler_for(exporter: TracesExporter, sample_ratio: float = 1.0) -> Sampler:
    """Which spans a process records: none of its own without an exporter, else a share of its
    traces' roots (lone client calls left out); a parent's decision is always followed."""
    root: Sampler = NoLoneClientSpans(sample_ratio) if exporter != "none" else ALWAYS_OFF
    return ParentBased(root=root)


def configure_tracing(
    service_name: str,
    exporter: TracesExporter = "none",
    endpoint: str | None = None,
    sample_ratio: float = 1.0,
) -> TracerProvider:
    """Install this process's tracer provider (named `service_name`) and instrument PyMongo.
    Call it once, before the clients and apps are built (a service's `__main__`).

    Without an exporter, no trace starts recorded here (trace ids are still made and carried);
    a parent recorded upstream is followed, so a trace through a mixed deployment holds."""
    provider = TracerProvider(
        resource=Resource.create({SERVICE_NAME: service_name}),
        sampler=sampler_for(exporter, sample_ratio),
    )
    if exporter != "none":
        processor: SpanProcessor = BatchSpanProcessor(
            span_exporter(exporter, endpoint or DEFAULT_ENDPOINTS[exporter])
        )
        provider.add_span_processor(processor)
        # A span per MongoDB command only where spans go somewhere: unrecorded, they would still
        # cost their making on every command, and carry nothing further (no command propagates).
        PymongoInstrumentor().instrument(tracer_provider=provider)
    trace.set_tracer_provider(provider)
    return provider


def shutdown_tracing() -> None:
    """Export the spans still buffered (a process that stops)."""
    provider = trace.get_tracer_provider()
    if isinstance(provider, TracerProvider):
        provider.shutdown()


# The request's address as the instrumentation records it (old and new semantic conventions).
_URL_ATTRIBUTES = ("http.target", "http.url", "url.path", "url.full", "url.query")


def _hidden_path(path: str) -> str:
    """`/preferences/<token>?…` → `/preferences/…`: the first segment alone."""
    first, _, rest = path.lstrip("/").partition("/")
    return f"/{first}/…" if rest else f"/{first}"


def _hide_path(span: Span, scope: dict[str, Any]) -> None:
    if span.is_recording():
        hidden = _hidden_path(str(scope.get("path", "")))
        for name in _URL_ATTRIBUTES:
            span.set_attribute(name, hidden)


def instrument_app(app: FastAPI, *, hide_paths: bool = False) -> None:
    """Spans for the app's requests, under the global tracer provider whenever it is set.

    `hide_paths` for an app whose paths or queries carry credentials (the notifier's signed
    links): a span keeps the path's first segment and the route template (`http.route`,
    `/preferences/{token}`), never the token, so a tracing backend holds no usable link."""
    FastAPIInstrumentor.instrument_app(
        app,
        excluded_urls=UNTRACED_PATHS,
        server_request_hook=_hide_path if hide_paths else None,
        # One span per request, not one more per ASGI message read or sent: those add nothing a
        # trace is read for and cost ~0.4 ms of CPU a request (docs/PERFORMANCE-ingest.md).
        exclude_spans=["receive", "send"],
    )


# The record spans of the batch being handled, by record key (see `record_trace`).
_RECORD_SPANS: ContextVar[dict[bytes, Span] | None] = ContextVar("vigie_record_spans", default=None)
# The record span whose trace what is published now goes out in.
_PUBLISHING_FOR: ContextVar[Span | None] = ContextVar("vigie_publishing_for", default=None)


@contextmanager
def record_trace(key: str) -> Iterator[None]:
    """Inside a batch handler: what is published within goes out in the trace of the batch's
    record keyed `key` (its span made current, and its `traceparent` in the headers, over the one
    FastStream puts there: the batch's); nothing changes outside a batch or for a key the batch
    does not hold (the latest record of a key when it holds several)."""
    spans = _RECORD_SPANS.get()
    span = spans.get(key.encode()) if spans else None
    if span is None:
        yield
        return
    token = _PUBLISHING_FOR.set(span)
    try:
        with trace.use_span(span, end_on_exit=False):
            yield
    finally:
        _PUBLISHING_FOR.reset(token)


class BatchRecordSpans(BaseMiddleware):
    """For a batch, a span per record in the record's own trace (see the module's docstring)."""

    async def consume_scope(self, call_next: Any, msg: StreamMessage[Any]) -> Any:
        records = msg.raw_message
        if not isinstance(records, tuple | list):
            return await call_next(msg)
        batch = trace.get_current_span().get_span_context()
        links = [Link(batch)] if batch.is_valid else []
        tracer = trace.get_tracer("vigie.kafka.batch")
        spans = []
        by_key: dict[bytes, Span] = {}
        for record in records:
            carrier = {key: value.decode("latin-1") for key, value in record.headers or ()}
            if "traceparent" not in carrier:
                continue
            span = tracer.start_span(
                f"{record.topic} record",
                context=_PROPAGATOR.extract(carrier),
                kind=SpanKind.CONSUMER,
                links=links,
                attributes={
                    "messaging.system": "kafka",
                    "messaging.destination.name": record.topic,
                    "messaging.kafka.destination.partition": record.partition,
                    "messaging.kafka.message.offset": record.offset,
                    "messaging.batch.message_count": len(records),
                },
            )
            spans.append(span)
            if record.key is not None:
                by_key[record.key] = span
        token = _RECORD_SPANS.set(by_key)
        try:
            return await call_next(msg)
        except Exception as exc:
            for span in spans:
                span.record_exception(exc)
                span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
            raise
        finally:
            _RECORD_SPANS.reset(token)
            for span in spans:
                span.end()

    async def publish_scope(self, call_next: Any, cmd: Any) -> Any:
        """Inside `record_trace`, the record's `traceparent` (FastStream's telemetry middleware,
        outside this one, injected the batch's)."""
        span = _PUBLISHING_FOR.get()
        if span is not None:
            _PROPAGATOR.inject(cmd.headers, context=trace.set_span_in_context(span))
        return await call_next(cmd)
