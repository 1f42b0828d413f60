"""The two trace exporters VIGIE_TRACES_EXPORTER chooses, each sending a span to a collector
that records what it receives (OTLP/HTTP protobuf; Zipkin v2 JSON). The stack's real Zipkin:
tests/e2e/test_operations.py."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from shared.tracing import TracesExporter, span_exporter

Received = list[tuple[str, str, bytes]]


@pytest.fixture
def collector() -> Iterator[tuple[str, Received]]:
    """An HTTP server on a free port answering 200 to every POST, and what it was sent."""
    received: Received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, self.headers["Content-Type"], body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()


def export_one_span(kind: TracesExporter, endpoint: str) -> None:
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: "vigie-test"}))
    provider.add_span_processor(SimpleSpanProcessor(span_exporter(kind, endpoint)))
    with provider.get_tracer("test").start_as_current_span("tender accepted"):
        pass
    provider.shutdown()


def test_otlp_sends_the_span_as_protobuf_over_http(collector: tuple[str, Received]) -> None:
    url, received = collector
    export_one_span("otlp", f"{url}/v1/traces")
    [(path, content_type, body)] = received
    assert (path, content_type) == ("/v1/traces", "application/x-protobuf")
    request = ExportTraceServiceRequest.FromString(body)
    [resource_spans] = request.resource_spans
    names = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
    assert names[SERVICE_NAME] == "vigie-test"
    assert [s.name for scope in resource_spans.scope_spans for s in scope.spans] == [
        "tender accepted"
    ]


def test_zipkin_sends_the_span_as_v2_json(collector: tuple[str, Received]) -> None:
    url, received = collector
    export_one_span("zipkin", f"{url}/api/v2/spans")
    [(path, content_type, body)] = received
    assert (path, content_type) == ("/api/v2/spans", "application/json")
    [span] = json.loads(body)
    assert (span["name"], span["localEndpoint"]["serviceName"]) == ("tender accepted", "vigie-test")
