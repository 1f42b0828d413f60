"""The publishers' HTTP API: canonical tender JSON in, a `published` event out.

Bad input gets a 4xx naming what is wrong and publishes nothing; a Kafka outage gets a 503
with Retry-After, never a 500.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from ingest.limits import BodySizeLimit
from ingest.publisher import TenderPublisher
from shared.events import Tender, TenderEvent, TenderEventKind

log = structlog.get_logger()
PUBLISH_TIMEOUT_SECONDS = 10.0


class Accepted(BaseModel):
    uid: str
    revision: int
    event_id: uuid.UUID
    status: str = "accepted"


def _describe(errors: list[Any]) -> list[dict[str, Any]]:
    """Validation errors without echoing the input back (it may be large or sensitive)."""
    return [
        {
            "loc": [str(part) for part in error.get("loc", ())],
            "msg": error.get("msg", ""),
            "type": error.get("type", ""),
        }
        for error in errors
    ]


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse(status_code=422, content={"detail": _describe(list(exc.errors()))})


def create_app(
    publisher: TenderPublisher,
    max_body_bytes: int,
    lifespan_hooks: tuple[Callable[[], Awaitable[None]], Callable[[], Awaitable[None]]]
    | None = None,
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if lifespan_hooks:
            await lifespan_hooks[0]()
        try:
            yield
        finally:
            if lifespan_hooks:
                await lifespan_hooks[1]()

    app = FastAPI(
        title="Vigie ingest",
        version="1",
        lifespan=lifespan,
        description="Publishers push calls for tenders to Vigie.",
    )
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)
    app.add_exception_handler(RequestValidationError, _validation_error)

    @app.post(
        "/v1/tenders",
        status_code=202,
        response_model=Accepted,
        responses={
            413: {"description": "body too large"},
            422: {"description": "invalid tender"},
            503: {"description": "event log unavailable, retry later"},
        },
    )
    async def publish_tender(tender: Tender) -> Accepted | JSONResponse:
        event = TenderEvent(kind=TenderEventKind.PUBLISHED, tender=tender)
        try:
            await asyncio.wait_for(publisher.publish(event), PUBLISH_TIMEOUT_SECONDS)
        except Exception as exc:
            log.error("publish_failed", tender_uid=tender.uid, error=repr(exc)[:300])
            return JSONResponse(
                status_code=503,
                headers={"Retry-After": "5"},
                content={"detail": "tender log unavailable, retry later"},
            )
        log.info("tender_accepted", tender_uid=tender.uid, revision=tender.revision)
        return Accepted(uid=tender.uid, revision=tender.revision, event_id=event.event_id)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
