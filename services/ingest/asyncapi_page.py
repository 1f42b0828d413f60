"""The contracts of Vigie's topics, served by ingest: `/asyncapi` (a page) and `/asyncapi.json`.

The page renders the AsyncAPI document with the AsyncAPI React component vendored in this
package (`asyncapi_site/react-component/`, see its VENDORED.md): no CDN, so it works where the
servers have no internet. The document is the one committed and kept current by CI
(`vigie contracts asyncapi --write`); the page and the document are read once.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse, Response

COMPONENT_VERSION = "3.2.1"
SITE = files("ingest") / "asyncapi_site"
# The only files the page loads, besides itself: name → media type.
ASSETS = {
    "index.js": "text/javascript; charset=utf-8",
    "default.min.css": "text/css; charset=utf-8",
}
_RENDER_CONFIG = {
    "show": {"sidebar": True, "info": True, "servers": True, "operations": True},
    "expand": {"messageExamples": False},
}

router = APIRouter(include_in_schema=False)


@cache
def _asset(name: str) -> bytes:
    return (SITE / "react-component" / name).read_bytes()


@cache
def asyncapi_document() -> bytes:
    return (SITE / "asyncapi.json").read_bytes()


def _script_json(value: object) -> str:
    """JSON safe inside a <script> element: no `</script>` or `<!--` can close or open one."""
    return json.dumps(value).replace("<", "\\u003c")


@cache
def asyncapi_html() -> str:
    # Relative URLs: the page works wherever ingest is mounted (behind a path prefix too).
    render = {"schema": json.loads(asyncapi_document()), "config": _RENDER_CONFIG}
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Vigie events: AsyncAPI</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="asyncapi/assets/default.min.css">
</head>
<body>
<div id="asyncapi"></div>
<script src="asyncapi/assets/index.js"></script>
<script>
AsyncApiStandalone.render({_script_json(render)}, document.getElementById("asyncapi"));
</script>
</body>
</html>
"""


@router.get("/asyncapi", response_class=HTMLResponse)
async def asyncapi_page() -> HTMLResponse:
    """The AsyncAPI document of Vigie's topics, rendered."""
    return HTMLResponse(asyncapi_html())


@router.get("/asyncapi.json")
async def asyncapi_json() -> Response:
    """The AsyncAPI 3.0 document of Vigie's topics."""
    return Response(asyncapi_document(), media_type="application/json")


@router.get("/asyncapi/assets/{name}")
async def asyncapi_asset(name: str) -> Response:
    """One of the vendored component's files; they change only with COMPONENT_VERSION."""
    media_type = ASSETS.get(name)
    if media_type is None:
        raise HTTPException(404, f"no asset {name!r}; the page uses {', '.join(ASSETS)}")
    return Response(
        _asset(name),
        media_type=media_type,
        headers={"Cache-Control": "public, max-age=86400"},
    )
