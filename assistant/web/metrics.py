"""Prometheus request count and latency for the web app's routes."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def route_label(request: web.Request) -> str:
    """The matched route's pattern (``/static`` for every static file), so
    labels stay few whatever paths clients ask for."""
    route = request.match_info.route
    resource = route.resource if route is not None else None
    return resource.canonical if resource is not None else "unmatched"


class WebMetrics:
    """One registry per app, so several apps in one process (tests) don't clash."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("pathwise_web_requests", "HTTP requests to the web chat app",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("pathwise_web_request_duration_seconds", "Time to answer a request",
                                 ["route"], registry=self.registry)

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as error:
            status = error.status
            raise
        finally:
            route = route_label(request)
            self.requests.labels(request.method, route, str(status)).inc()
            self.latency.labels(route).observe(time.perf_counter() - started)

    async def handler(self, _request: web.Request) -> web.Response:
        response = web.Response(body=generate_latest(self.registry))
        response.content_type = CONTENT_TYPE_LATEST.split(";")[0]
        response.charset = "utf-8"
        return response
