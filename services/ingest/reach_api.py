"""`GET /v1/tenders/{uid}/reach`: a tender's reach (`ingest.reach`), for its publisher only.

A tender outside the caller's sources or buyers answers 404 exactly as one that does not
exist, so a publisher cannot learn what others published. The reach is read through
`app.state.reach` (a `ReachSource`, set by the composition root); 503 without one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from pymongo.errors import PyMongoError

from ingest.publisher_scope import Publisher
from ingest.reach import Reach
from ingest.revisions import Stored

UidPath = Annotated[str, Path(max_length=170, pattern=r"^[a-z][a-z0-9-]*:[^\s#]+$")]


class ReachSource(Protocol):
    async def reach(self, uid: str) -> Reach: ...


def owns(publisher: Publisher, stored: Stored) -> bool:
    """The publisher may act on the tender: its source and buyer are the publisher's."""
    tender = stored.tender
    return tender.source in publisher.sources and publisher.may_publish_for(tender.buyer.id)


def reach_router(
    caller: Callable[..., Awaitable[Publisher]],
    current: Callable[[str], Awaitable[Stored | None]],
) -> APIRouter:
    """`caller`: the API-key dependency (401/429); `current`: the stored tender of a uid."""
    router = APIRouter()
    responses: dict[int | str, dict[str, Any]] = {
        401: {"description": "missing or invalid API key"},
        404: {"description": "no such tender among this publisher's"},
        503: {"description": "store unavailable; retry later"},
    }

    @router.get("/v1/tenders/{uid}/reach", response_model=Reach, responses=responses)
    async def tender_reach(
        uid: UidPath,
        request: Request,
        # A default, not Annotated: the annotations are strings and `caller` is a local name.
        publisher: Publisher = Depends(caller),  # noqa: B008  (FastAPI's dependency marker)
    ) -> Reach:
        """Alerted enterprises by kind and territory; documents opened, interest, declines and
        why; contacts only of interested enterprises that agreed to be contacted."""
        stored = await current(uid)
        if stored is None or not owns(publisher, stored):
            raise HTTPException(404, f"no tender {uid}")
        source: ReachSource | None = getattr(request.app.state, "reach", None)
        if source is None:
            raise HTTPException(503, "reach unavailable", headers={"Retry-After": "5"})
        try:
            return await source.reach(uid)
        except PyMongoError as exc:
            raise HTTPException(503, "reach unavailable", headers={"Retry-After": "5"}) from exc

    return router
