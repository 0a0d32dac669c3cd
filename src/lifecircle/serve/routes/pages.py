"""The pages: the workspace (one page, four views) for a signed-in account, the sign-in page for anybody else, and
their bundled scripts and styles (Leaflet from the report's vendored copy; nothing is fetched from another site)."""

from __future__ import annotations

import html
from importlib import resources

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lifecircle.report.assets import leaflet_css, vendor_text
from lifecircle.serve.deps import WorkspaceDep, session_of
from lifecircle.serve.routes.login import set_login_cookie

router = APIRouter(tags=["pages"])

_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
_STATIC = ("app.js", "app.css", "login.js")


def _static(name: str) -> str:
    return resources.files("lifecircle.serve").joinpath("static", name).read_text(encoding="utf-8")


@router.get("/", response_class=HTMLResponse, response_model=None)
def workspace_page(request: Request, ws: WorkspaceDep) -> Response:
    if session_of(request, ws) is None:
        return RedirectResponse("/login", status_code=303)
    return HTMLResponse(_static("index.html"))


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, ws: WorkspaceDep) -> HTMLResponse:
    response = HTMLResponse("")
    token = set_login_cookie(request, response, ws)
    body = _static("login.html").replace("{{csrf}}", html.escape(token, quote=True))
    response.body = response.render(body)
    response.headers["content-length"] = str(len(response.body))
    return response


@router.get("/favicon.ico")
def favicon() -> Response:
    return Response(status_code=204)


@router.get("/static/{name}")
def static(name: str) -> Response:
    if name == "leaflet.js":
        return Response(vendor_text("leaflet.js"), media_type=_TYPES[".js"])
    if name == "leaflet.css":
        return Response(leaflet_css(), media_type=_TYPES[".css"])
    if name not in _STATIC:
        return Response("Not found", status_code=404, media_type="text/plain")
    return Response(_static(name), media_type=_TYPES["." + name.rsplit(".", 1)[1]])
