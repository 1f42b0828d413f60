"""The operational endpoints every service serves: `/metrics`, `/health/live`, `/health/ready`.

- `GET /metrics`: the process's Prometheus registry in the text format (`shared.metrics`).
- `GET /health/ready`: 200 when every readiness check passes, else 503 with the reason
  (`{"status": "failing", "reason": "mongodb: no answer within 2 s", "checks": {...}}`), so a
  load balancer stops sending work and an operator reads why.
- `GET /health/live`: 200 while the consume loops poll, else 503 naming the loop; an
  orchestrator restarts a process that stays here.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import JSONResponse

from shared.health import Health, Verdict
from shared.metrics import exposition


def _answer(verdict: Verdict) -> JSONResponse:
    return JSONResponse(verdict.body(), status_code=200 if verdict.ok else 503)


def operations_router(health: Health) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/metrics", response_class=Response)
    async def metrics() -> Response:
        body, content_type = exposition()
        return Response(body, media_type=content_type)

    @router.get("/health/ready")
    async def ready() -> JSONResponse:
        return _answer(await health.ready())

    @router.get("/health/live")
    async def live() -> JSONResponse:
        return _answer(health.live())

    return router


def operations_app(health: Health, title: str) -> FastAPI:
    """An app of the operational endpoints alone (the matcher's small HTTP port)."""
    app = FastAPI(title=title, docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(operations_router(health))
    return app
