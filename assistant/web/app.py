"""The aiohttp application: chat page, static files, config, health and metrics."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from assistant.web.metrics import Handler, WebMetrics

STATIC_DIR = Path(__file__).resolve().parent / "static"
# The page loads only its own files; connect-src is open because the socket.io
# server is Rasa, on another port of whatever host name the browser used.
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "connect-src 'self' ws: wss: http: https:; base-uri 'none'; form-action 'self'; "
                                "frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
RASA_PORT_KEY = web.AppKey("rasa_port", int)


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.update(SECURITY_HEADERS)
    return response


async def index(_request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC_DIR / "index.html")


async def config(request: web.Request) -> web.Response:
    """Where the widget finds Rasa: same host name as the page, Rasa's port."""
    return web.json_response({"rasa_port": request.app[RASA_PORT_KEY]})


async def health(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def create_app(rasa_port: int) -> web.Application:
    metrics = WebMetrics()
    app = web.Application(middlewares=[metrics.middleware, security_headers])
    app[RASA_PORT_KEY] = rasa_port
    app.router.add_get("/", index)
    app.router.add_get("/config.json", config)
    app.router.add_get("/health", health)
    app.router.add_get("/metrics", metrics.handler)
    app.router.add_static("/static/", STATIC_DIR)
    return app
