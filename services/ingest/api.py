"""The publishers' HTTP API: authenticated pushes of canonical tender JSON.

Bad input gets a 4xx naming what is wrong and publishes nothing; a Kafka or MongoDB outage gets
503 with Retry-After, never a 500.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime
from typing import Annotated, Any, TypeVar

import structlog
from fastapi import Depends, FastAPI, HTTPException, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field, ValidationError

from ingest import asyncapi_page
from ingest.code_lists import coded_fields, unlisted
from ingest.formats import Parsed, Rejected, Skipped
from ingest.intake import (
    ConcurrentUpdateError,
    Notice,
    Receipt,
    TenderIntake,
    UnknownTenderError,
)
from ingest.limits import BodySizeLimit
from ingest.ocds_input import OcdsDocument, is_ocds
from ingest.publisher_scope import Publisher
from ingest.ratelimit import RateLimiter
from ingest.reach_api import reach_router
from ingest.revisions import CancelledTenderError, Stored
from shared.clock import Clock, utc_now
from shared.events import Tender, TenderEventKind, code_problem, text_problem
from shared.metrics import RejectionReason, TenderSource, count_tender, rejection_reason
from shared.territories import is_known

log = structlog.get_logger()
T = TypeVar("T")
Authenticate = Callable[[str], Awaitable[Publisher | None]]
Hooks = tuple[Callable[[], Awaitable[None]], Callable[[], Awaitable[None]]]
OPERATION_TIMEOUT_SECONDS = 10.0
# A whole batch (up to 500 notices) is one operation, written in a few round trips.
BATCH_TIMEOUT_SECONDS = 60.0
MAX_BATCH = 500
UidPath = Annotated[str, Path(max_length=170, pattern=r"^[a-z][a-z0-9-]*:[^\s#]+$")]
Location = tuple[str | int, ...]


class ReceiptOut(BaseModel):
    uid: str
    revision: int
    status: str
    changed_fields: list[str] = []

    @classmethod
    def of(cls, receipt: Receipt) -> ReceiptOut:
        return cls(
            uid=receipt.uid,
            revision=receipt.revision,
            status=receipt.outcome.value,
            changed_fields=list(receipt.changed_fields),
        )


class BatchIn(BaseModel):
    tenders: Annotated[list[dict[str, Any]], Field(min_length=1, max_length=MAX_BATCH)]


class BatchItem(BaseModel):
    index: int
    status: str
    uid: str | None = None
    revision: int | None = None
    reason: str | None = None


class TenderState(BaseModel):
    uid: str
    revision: int
    status: str
    tender: dict[str, Any]
    history: list[dict[str, Any]]


class Unavailable(Exception):
    """Kafka or MongoDB did not answer in time: the client should retry later."""


def _describe(errors: list[Any]) -> list[dict[str, Any]]:
    """Validation errors without echoing the input back (it may be large or sensitive).

    A body that is neither a canonical tender nor OCDS fails both branches of the union; the
    errors that matter are the canonical tender's, with the branch name left out."""
    described = []
    branches = {"Tender", "OcdsDocument"}
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        if len(loc) > 1 and loc[1] in branches:
            if loc[1] == "OcdsDocument":
                continue
            loc = [loc[0], *loc[2:]]
        described.append({"loc": loc, "msg": error.get("msg", ""), "type": error.get("type", "")})
    return described or [
        {"loc": ["body"], "msg": "not a tender nor an OCDS document", "type": "value_error"}
    ]


def _summary(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in error.errors()
    )


# --- the door: what a publisher may send, beyond what the contract lets readers accept --------
#
# The `Tender` model is what every reader of `vigie.tenders.v1` relies on, and stays as lenient
# as they need (last year's events stay readable when the territory reference changes). A
# canonical tender sent to the API must also be sendable today: printable texts, codes that can
# exist in their scheme, territories Vigie knows, a deadline in the future and after the
# publication date. OCDS documents are feed notices: their adapter keeps the notice and drops
# (or flags) an odd value instead, as `vigie ingest file` does (docs/validation.md).

_TERRITORY_EXAMPLES = "CA-QC-MUN-58227, CA-QC-AGG-LONGUEUIL, CA-QC-RA-16, FR-DEP-35 or FRH03"


def _texts(value: object, loc: Location, multiline: bool) -> Iterator[tuple[Location, str, bool]]:
    """Every text of a tender, where it is, and whether it may hold line breaks."""
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _texts(getattr(value, name), (*loc, name), name == "description")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _texts(item, (*loc, index), multiline)
    elif isinstance(value, str):
        yield loc, value, multiline


def _refusals(tender: Tender, now: datetime) -> list[dict[str, Any]]:
    """Why a valid tender is still refused at the door, each with its field: none if none."""
    found: list[dict[str, Any]] = []

    def refuse(loc: Location, msg: str, kind: str) -> None:
        found.append({"loc": loc, "msg": msg, "type": kind})

    for loc, text, multiline in _texts(tender, (), False):
        problem = text_problem(text, multiline=multiline)
        if problem:
            refuse(loc, problem, "control_character")
    for where, item in coded_fields(tender):
        problem = code_problem(item.scheme, item.code) or unlisted(item.scheme, item.code)
        if problem:
            refuse((*where, "code"), f"{item.scheme} {item.code}: {problem}", "code")
    placed: list[tuple[Location, list[str]]] = [
        (("place_of_performance",), tender.place_of_performance),
        (("buyer", "territories"), tender.buyer.territories),
    ]
    for where, codes in placed:
        for index, code in enumerate(codes):
            if not is_known(code):
                refuse(
                    (*where, index),
                    f"{code} is not a territory code Vigie knows: expected a code such as "
                    f"{_TERRITORY_EXAMPLES} (docs/territories.md)",
                    "territory",
                )
    deadline, published = tender.submission_deadline, tender.published_at
    if deadline <= now:
        refuse(
            ("submission_deadline",),
            f"{deadline.isoformat()} has already passed: expected a deadline in the future",
            "deadline_passed",
        )
    if deadline <= published:
        refuse(
            ("submission_deadline",),
            f"{deadline.isoformat()} is not after published_at {published.isoformat()}: "
            "expected a deadline after the publication date",
            "deadline_before_publication",
        )
    return found


def _admit(tender: Tender, now: datetime) -> None:
    """Refuse, with a 422 naming each field as a validation error does, what `_refusals` finds."""
    refusals = _refusals(tender, now)
    if refusals:
        raise RequestValidationError([{**r, "loc": ("body", *r["loc"])} for r in refusals])


def _reason(refusals: list[dict[str, Any]]) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in r['loc'])}: {r['msg']}" for r in refusals)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    if request.method in ("POST", "PUT"):  # a tender sent, refused
        reason = rejection_reason(str(error.get("type", "")) for error in exc.errors())
        count_tender(TenderSource.API, "rejected", reason)
    return JSONResponse(status_code=422, content={"detail": _describe(list(exc.errors()))})


async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(
        status_code=503,
        headers={"Retry-After": "5"},
        content={"detail": "tender store unavailable, retry later"},
    )


def _answered(receipt: Receipt) -> ReceiptOut:
    """The answer to a tender sent, counted by its outcome."""
    count_tender(TenderSource.API, receipt.outcome.value)
    return ReceiptOut.of(receipt)


_REASON_OF_STATUS = {403: RejectionReason.SCOPE, 422: RejectionReason.INVALID}


@contextmanager
def _refusals_counted() -> Iterator[None]:
    """Counts a tender refused with a 4xx raised here (out of scope, cancelled, not a notice this
    route takes); 422s of validation are counted by their handler, `_validation_error`."""
    try:
        yield
    except HTTPException as exc:
        cancelled = isinstance(exc.__cause__, CancelledTenderError)
        reason = RejectionReason.CANCELLED if cancelled else _REASON_OF_STATUS.get(exc.status_code)
        if reason is not None:
            count_tender(TenderSource.API, "rejected", reason)
        raise


def _check_scope(publisher: Publisher, tender: Tender) -> None:
    if tender.source not in publisher.sources:
        raise HTTPException(403, f"this key may not publish for source {tender.source!r}")
    if not publisher.may_publish_for(tender.buyer.id):
        raise HTTPException(403, f"this key may not publish for buyer {tender.buyer.id!r}")


async def _guarded(operation: Awaitable[T], seconds: float = OPERATION_TIMEOUT_SECONDS) -> T:
    # For the failure log: what is done (the coroutine's name) and to what (its arguments, read
    # before it runs; only names that identify the work, never an API key).
    frame = getattr(operation, "cr_frame", None)
    arguments: dict[str, Any] = dict(frame.f_locals) if frame is not None else {}
    subject = {
        "tender_uid": getattr(arguments.get("tender"), "uid", None) or arguments.get("uid"),
        "notices": len(arguments["notices"]) if "notices" in arguments else None,
        "publisher_id": arguments.get("publisher_id"),
    }
    try:
        async with asyncio.timeout(seconds):  # in this task: no task of its own, as wait_for
            return await operation
    except (CancelledTenderError, ConcurrentUpdateError) as exc:
        raise HTTPException(409, str(exc) or "concurrent update, retry") from exc
    except UnknownTenderError as exc:
        raise HTTPException(404, f"no tender {exc}") from exc
    except HTTPException:
        raise
    except Exception as exc:
        log.error(
            "operation_failed",
            operation=getattr(operation, "__qualname__", type(operation).__name__),
            **{name: value for name, value in subject.items() if value is not None},
            attempt=1,
            error=repr(exc)[:300]
            if not isinstance(exc, TimeoutError)
            else f"no answer within {seconds:g} s (Kafka or MongoDB slow or away)",
            next="answered 503 with Retry-After: the publisher retries; nothing was retried here",
        )
        raise Unavailable from exc


_bearer = HTTPBearer(auto_error=False)
_header_key = APIKeyHeader(name="X-API-Key", auto_error=False)


async def current_publisher(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_header_key)],
) -> Publisher:
    """The publisher owning the request's API key, within its rate limit; else 401 or 429."""
    key = credentials.credentials if credentials else api_key
    if not key:
        raise HTTPException(
            401,
            "missing API key (Authorization: Bearer <key>)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    authenticate: Authenticate = request.app.state.authenticate
    found = await _guarded(authenticate(key))
    if found is None:
        raise HTTPException(401, "invalid API key", headers={"WWW-Authenticate": "Bearer"})
    limiter: RateLimiter = request.app.state.limiter
    wait = limiter.acquire(found.id, time.monotonic())
    if wait > 0:
        raise HTTPException(
            429, "too many requests", headers={"Retry-After": str(max(1, round(wait)))}
        )
    return found


Caller = Annotated[Publisher, Depends(current_publisher)]


TenderOrOcds = Annotated[Tender | OcdsDocument, Field(union_mode="left_to_right")]


def _batch_notices(raw: dict[str, Any], now: datetime) -> list[Parsed | Skipped | Rejected]:
    """A batch item: a canonical tender (refused as the single endpoint would refuse it), or an
    OCDS document of one or more notices (read as a feed)."""
    if is_ocds(raw):
        return OcdsDocument.model_validate(raw).notices("batch item")
    try:
        tender = Tender.model_validate(raw)
    except ValidationError as exc:
        return [Rejected(_summary(exc), "batch item")]
    refusals = _refusals(tender, now)
    if refusals:
        return [Rejected(_reason(refusals), "batch item")]
    return [Parsed(TenderEventKind.PUBLISHED, tender)]


def create_app(
    intake: TenderIntake,
    authenticate: Authenticate,
    limiter: RateLimiter,
    max_body_bytes: int,
    hooks: Hooks | None = None,
    clock: Clock = utc_now,
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if hooks:
            await hooks[0]()
        try:
            yield
        finally:
            if hooks:
                await hooks[1]()

    app = FastAPI(
        title="Vigie ingest",
        version="1",
        lifespan=lifespan,
        description="Publishers push calls for tenders to Vigie.",
    )
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Unavailable, _unavailable)
    app.state.authenticate = authenticate
    app.state.limiter = limiter
    app.include_router(asyncapi_page.router)
    errors: dict[int | str, dict[str, Any]] = {
        401: {"description": "missing or invalid API key"},
        403: {"description": "outside this key's buyers or sources"},
        413: {"description": "body too large"},
        422: {"description": "invalid tender"},
        429: {"description": "rate limited; see Retry-After"},
        503: {"description": "store unavailable; retry after Retry-After"},
    }

    @app.post("/v1/tenders", status_code=202, response_model=ReceiptOut, responses=errors)
    async def push_tender(body: TenderOrOcds, caller: Caller) -> ReceiptOut:
        """Publish a notice — canonical JSON or one OCDS release — ; the same notice again is
        `unchanged`, a changed one `amended`, an OCDS cancellation `cancelled`."""
        with _refusals_counted():
            return await _push_one(body, caller)

    async def _push_one(body: Tender | OcdsDocument, caller: Publisher) -> ReceiptOut:
        if isinstance(body, Tender):
            _admit(body, clock())
            _check_scope(caller, body)
            return _answered(await _guarded(intake.submit(body, caller.id)))
        outcomes = body.notices("request")
        if len(outcomes) != 1:
            raise HTTPException(
                422,
                f"this OCDS document holds {len(outcomes)} notices: send it to /v1/tenders/batch",
            )
        [outcome] = outcomes
        if not isinstance(outcome, Parsed):
            raise HTTPException(422, f"not accepted as a tender: {outcome.reason}")
        _check_scope(caller, outcome.tender)
        return _answered(await _guarded(intake.receive(outcome.kind, outcome.tender, caller.id)))

    @app.post("/v1/tenders/batch", response_model=list[BatchItem], responses=errors)
    async def push_batch(batch: BatchIn, caller: Caller) -> list[BatchItem]:
        """Each item is validated and published on its own; one bad item rejects only itself.
        Items of different tenders are written together, those of one tender in the order sent."""
        now = clock()
        notices = [(i, n) for i, raw in enumerate(batch.tenders) for n in _batch_notices(raw, now)]
        results: list[BatchItem | None] = [_refusal(index, n, caller) for index, n in notices]
        accepted = [
            (position, notice)
            for position, (_, notice) in enumerate(notices)
            if results[position] is None and isinstance(notice, Parsed)
        ]
        receipts = await _guarded(
            intake.receive_all([Notice(n.kind, n.tender) for _, n in accepted], caller.id),
            BATCH_TIMEOUT_SECONDS,
        )
        for (position, _), receipt in zip(accepted, receipts, strict=True):
            index = notices[position][0]
            if isinstance(receipt, CancelledTenderError):
                count_tender(TenderSource.API, "rejected", RejectionReason.CANCELLED)
                results[position] = BatchItem(index=index, status="rejected", reason=str(receipt))
            else:
                count_tender(TenderSource.API, receipt.outcome.value)
                results[position] = BatchItem(
                    index=index,
                    status=receipt.outcome.value,
                    uid=receipt.uid,
                    revision=receipt.revision,
                )
        return [item for item in results if item is not None]

    def _refusal(
        index: int, notice: Parsed | Skipped | Rejected, caller: Publisher
    ) -> BatchItem | None:
        """The answer to an item that goes no further, or None for one to receive."""
        if isinstance(notice, Skipped):
            return BatchItem(index=index, status="skipped", reason=notice.reason)
        if isinstance(notice, Rejected):
            count_tender(TenderSource.API, "rejected", RejectionReason.INVALID)
            return BatchItem(index=index, status="rejected", reason=notice.reason)
        try:
            _check_scope(caller, notice.tender)
        except HTTPException as exc:
            count_tender(TenderSource.API, "rejected", RejectionReason.SCOPE)
            return BatchItem(index=index, status="rejected", reason=str(exc.detail))
        return None

    @app.put("/v1/tenders/{uid}", response_model=ReceiptOut, responses=errors)
    async def amend_tender(uid: UidPath, tender: Tender, caller: Caller) -> ReceiptOut:
        """Amend a published tender; its uid in the path and the body must agree."""
        with _refusals_counted():
            if tender.uid != uid:
                raise HTTPException(422, f"body is tender {tender.uid!r}, path says {uid!r}")
            _admit(tender, clock())
            _check_scope(caller, tender)
            if await _guarded(intake.current(uid)) is None:
                raise HTTPException(404, f"no tender {uid}; publish it with POST /v1/tenders")
            return _answered(await _guarded(intake.submit(tender, caller.id)))

    async def stored_in_scope(uid: str, caller: Publisher) -> Stored:
        """The stored tender, if it exists (else 404) and the caller may act on it (else 403)."""
        stored = await _guarded(intake.current(uid))
        if stored is None:
            raise HTTPException(404, f"no tender {uid}")
        _check_scope(caller, stored.tender)
        return stored

    @app.post("/v1/tenders/{uid}/cancel", response_model=ReceiptOut, responses=errors)
    async def cancel_tender(uid: UidPath, caller: Caller) -> ReceiptOut:
        """Cancel a tender: enterprises told of it hear it is cancelled."""
        with _refusals_counted():
            await stored_in_scope(uid, caller)
            return _answered(await _guarded(intake.cancel(uid, caller.id)))

    @app.get("/v1/tenders/{uid}", response_model=TenderState, responses=errors)
    async def read_tender(uid: UidPath, caller: Caller) -> TenderState:
        """The current revision, status and history of a tender."""
        stored = await stored_in_scope(uid, caller)
        history = [
            {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in e.items()}
            for e in stored.history
        ]
        return TenderState(
            uid=uid,
            revision=stored.current.revision,
            status=stored.current.status.value,
            tender=stored.tender.model_dump(mode="json"),
            history=history,
        )

    app.include_router(reach_router(current_publisher, lambda uid: _guarded(intake.current(uid))))

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
