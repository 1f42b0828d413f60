"""Tracing pieces in memory: a batch's records each keep their trace, log lines carry the trace
id, lone background client calls are not traced (Zipkin and three processes: tests/e2e)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any, cast

import httpx
import pytest
from aiokafka import ConsumerRecord
from fastapi import FastAPI
from faststream import ContextRepo
from faststream.kafka import TestKafkaBroker
from faststream.message import StreamMessage
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from shared.kafka.broker import make_broker
from shared.logging import add_trace_ids
from shared.settings import CommonSettings
from shared.tracing import BatchRecordSpans, instrument_app, record_trace, sampler_for


@pytest.fixture(scope="module")
def exported() -> Iterator[InMemorySpanExporter]:
    """The process's tracer provider (installed here if none is), spans kept in memory while
    this module runs; stopped after it, so the tests that follow pile up no spans."""
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter
    exporter.clear()
    exporter.shutdown()


async def test_each_record_of_a_batch_gets_a_span_in_its_own_trace(
    exported: InMemorySpanExporter,
) -> None:
    broker = make_broker(CommonSettings(), client_id="vigie-test")
    received: list[Any] = []

    @broker.subscriber("batched", group_id="g", batch=True)
    async def handle(bodies: list[Any]) -> None:
        received.extend(bodies)

    tracer = trace.get_tracer("test")
    origins = []
    async with TestKafkaBroker(broker) as test_broker:
        for text in ("first", "second"):
            with tracer.start_as_current_span(f"origin {text}") as origin:
                origins.append(origin.get_span_context().trace_id)
                await test_broker.publish(text, "batched")
    assert len(received) == 2
    records = [s for s in exported.get_finished_spans() if s.name == "batched record"]
    assert sorted(s.context.trace_id for s in records) == sorted(origins)
    assert all(s.kind == SpanKind.CONSUMER and s.links for s in records)
    assert all(s.attributes and s.attributes["messaging.destination.name"] for s in records)


async def test_what_a_batch_handler_publishes_for_a_record_goes_out_in_that_record_s_trace(
    exported: InMemorySpanExporter,
) -> None:
    """Two records of one batch, each from a trace of its own; FastStream's telemetry middleware
    would give everything published during the batch the batch's trace."""
    origins = {key: secrets.token_hex(16) for key in ("t1", "t2")}
    records = [
        ConsumerRecord(
            "tenders", 0, offset, 0, 0, key.encode(), b"{}", None, 0, 2,
            [("traceparent", f"00-{trace_id}-{secrets.token_hex(8)}-01".encode())],
        )
        for offset, (key, trace_id) in enumerate(origins.items())
    ]  # fmt: skip
    batch = cast(StreamMessage[Any], SimpleNamespace(raw_message=records))
    middleware = BatchRecordSpans(batch, context=ContextRepo())
    carried: dict[str, str] = {}

    async def send(cmd: Any) -> None:
        carried[cmd.key] = cmd.headers["traceparent"].split("-")[1]

    async def handle(_: Any) -> None:
        for key in origins:
            with record_trace(key):
                batch_trace = {"traceparent": f"00-{secrets.token_hex(16)}-{'1' * 16}-01"}
                await middleware.publish_scope(send, SimpleNamespace(key=key, headers=batch_trace))

    await middleware.consume_scope(handle, batch)
    assert carried == origins


def test_a_log_line_carries_the_current_trace_and_span_ids(exported: InMemorySpanExporter) -> None:
    assert add_trace_ids(None, "info", {"event": "outside"}) == {"event": "outside"}
    with trace.get_tracer("test").start_as_current_span("work") as span:
        line = add_trace_ids(None, "info", {"event": "inside"})
    context = span.get_span_context()
    assert line["trace_id"] == f"{context.trace_id:032x}"
    assert line["span_id"] == f"{context.span_id:016x}"


def test_a_client_call_outside_any_trace_is_not_traced_one_inside_is() -> None:
    tracer = TracerProvider(sampler=sampler_for("zipkin")).get_tracer("test")
    assert not tracer.start_span("vigie.find", kind=SpanKind.CLIENT).is_recording()
    with tracer.start_as_current_span("POST /v1/tenders", kind=SpanKind.SERVER) as request:
        assert request.is_recording()
        assert tracer.start_span("vigie.insert", kind=SpanKind.CLIENT).is_recording()


def test_without_an_exporter_nothing_is_recorded_but_trace_ids_are_made_and_followed() -> None:
    tracer = TracerProvider(sampler=sampler_for("none")).get_tracer("test")
    with tracer.start_as_current_span("POST /v1/tenders", kind=SpanKind.SERVER) as request:
        assert not request.is_recording()
        assert request.get_span_context().is_valid  # the logs and Kafka headers still get it
    upstream = TracerProvider(sampler=sampler_for("zipkin")).get_tracer("upstream")
    with upstream.start_as_current_span("recorded upstream"):
        assert tracer.start_span("tenders process", kind=SpanKind.CONSUMER).is_recording()


def test_the_sample_ratio_decides_which_traces_are_recorded() -> None:
    never = TracerProvider(sampler=sampler_for("otlp", 0.0)).get_tracer("test")
    always = TracerProvider(sampler=sampler_for("otlp", 1.0)).get_tracer("test")
    assert not never.start_span("POST /v1/tenders", kind=SpanKind.SERVER).is_recording()
    assert always.start_span("POST /v1/tenders", kind=SpanKind.SERVER).is_recording()


async def test_a_signed_link_s_token_never_reaches_a_span(exported: InMemorySpanExporter) -> None:
    app = FastAPI()

    @app.get("/preferences/{token}")
    async def page(token: str) -> dict[str, str]:
        return {}

    instrument_app(app, hide_paths=True)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://notifier") as client:
        assert (await client.get("/preferences/SIGNED-TOKEN?lang=SECRET")).status_code == 200
    [request] = [s for s in exported.get_finished_spans() if s.kind == SpanKind.SERVER]
    attributes = dict(request.attributes or {})
    assert "SIGNED-TOKEN" not in repr(attributes)
    assert "SECRET" not in repr(attributes)
    assert attributes["http.route"] == "/preferences/{token}"
    assert attributes["http.target"] == "/preferences/…"
