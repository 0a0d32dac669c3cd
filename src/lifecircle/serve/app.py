"""The web application: one router per resource, the error answers, and the security headers of every response."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from lifecircle import __version__
from lifecircle.errors import LifecircleInputError
from lifecircle.monitor.projects import ProjectConflictError, UnknownProjectError
from lifecircle.serve.routes import (
    login,
    maps,
    overview,
    pages,
    projects,
    targets,
    users,
    whatif,
)
from lifecircle.serve.shaping import plain
from lifecircle.serve.uploads import UploadTooLargeError
from lifecircle.serve.workspace import Workspace

#: Content Security Policy: scripts, styles, images and requests only from this server (no CDN, no tile server,
#: no inline script).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


def create_app(workspace: Workspace) -> FastAPI:
    """The application over ``workspace`` (its store and runs)."""
    app = FastAPI(title="lifecircle workspace", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.workspace = workspace
    for module in (login, users, overview, maps, whatif, projects, targets, pages):
        app.include_router(module.router)

    @app.exception_handler(ProjectConflictError)
    async def conflict(request: Request, exc: ProjectConflictError) -> JSONResponse:
        return JSONResponse({"error": str(exc), "current": plain(exc.current)}, status_code=409)

    @app.exception_handler(UnknownProjectError)
    async def unknown(request: Request, exc: UnknownProjectError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=404)

    @app.exception_handler(UploadTooLargeError)
    async def too_large(request: Request, exc: UploadTooLargeError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=413)

    @app.exception_handler(LifecircleInputError)
    async def bad_input(request: Request, exc: LifecircleInputError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=400)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors())
        return JSONResponse({"error": f"The request is not valid: {problems}."}, status_code=422)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        return response

    return app
