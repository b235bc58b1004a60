"""The action server: rasa-sdk's Sanic app plus JSON logs and ``/metrics``.

``python -m assistant.action_server --port 5055`` replaces ``python -m rasa_sdk``.
It builds the same app (``/webhook``, ``/health``, ``/actions``) with
``rasa_sdk.endpoint.create_app_for_serve`` and adds:

* per-request context (conversation id, action) for the JSON logs, one log
  line per action call, and the request count and latency per action;
* ``GET /metrics`` in the Prometheus text format (see :mod:`assistant.observability`).

It refuses to start, with a one-line error naming the file and exit code 2,
when the production recommender artifact is missing or corrupt.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import zlib
from functools import partial
from pathlib import Path
from typing import Any

from rasa_sdk.endpoint import create_app_for_serve
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic, response
from sanic.exceptions import BadRequest
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.worker.loader import AppLoader

from assistant import observability
from recsys import artifacts

logger = logging.getLogger("assistant.action_server")


def _action_call(request: Request) -> dict[str, Any]:
    """The webhook body (rasa-sdk also accepts it deflated); {} when it is not JSON."""
    try:
        if request.headers.get("Content-Encoding") == "deflate":
            body = json.loads(zlib.decompress(request.body))
        else:
            body = request.json
    except (BadRequest, ValueError, zlib.error):
        return {}
    return body if isinstance(body, dict) else {}


def instrument(app: Sanic, known_actions: frozenset[str]) -> None:
    """Add the log context, action metrics and ``/metrics`` to a rasa-sdk app."""

    @app.on_request
    async def bind_context(request: Request) -> None:
        if request.path != "/webhook":
            observability.bind(None, None)
            return
        call = _action_call(request)
        name = call.get("next_action")
        request.ctx.action = name if name in known_actions else "unknown"
        request.ctx.started = time.perf_counter()
        # The known name only: a caller's made-up name must not become a log field or a metric label.
        observability.bind(call.get("sender_id"), request.ctx.action)

    @app.on_response
    async def record(request: Request, reply: HTTPResponse) -> None:
        started = getattr(request.ctx, "started", None)
        if started is None:
            return
        elapsed = time.perf_counter() - started
        observability.ACTION_REQUESTS.labels(request.ctx.action).inc()
        observability.ACTION_LATENCY.labels(request.ctx.action).observe(elapsed)
        logger.info("action call", extra={"status": reply.status, "duration_ms": round(1000 * elapsed, 1)})

    @app.get("/metrics")
    async def metrics(_request: Request) -> HTTPResponse:
        body, content_type = observability.render_metrics()
        return response.raw(body, content_type=content_type)


def create_app(actions_package: str = "actions") -> Sanic:
    """The instrumented action server app (built in the main process and in each Sanic worker)."""
    from actions import services

    observability.configure_logging()
    executor = ActionExecutor()
    executor.register_package(actions_package)
    app = create_app_for_serve(executor)
    instrument(app, frozenset(executor.actions))
    observability.register_online_metrics(services.sessions)
    return app


def check_recommender(root: Path) -> None:
    """Verify the production recommender artifact's checksum (without loading it), if there is one.

    Raises:
        artifacts.ArtifactError: Naming the missing or corrupt file.
    """
    version = artifacts.current_version(root)
    if version is not None:
        artifacts.verify(version, root)


def main(argv: list[str] | None = None) -> None:
    from assistant.config import Settings

    settings = Settings.from_env()
    try:
        check_recommender(settings.models_dir)
    except artifacts.ArtifactError as error:
        print(f"error: the action server cannot start: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    parser = argparse.ArgumentParser(prog="python -m assistant.action_server", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=settings.action_port)
    parser.add_argument("--host", default=settings.host)
    parser.add_argument("--actions", default="actions", help="package holding the actions")
    args = parser.parse_args(argv)
    loader = AppLoader(factory=partial(create_app, args.actions))
    app = loader.load()
    app.prepare(host=args.host, port=args.port, workers=1)
    logger.info("action server listening on http://%s:%s", args.host, args.port)
    Sanic.serve(primary=app, app_loader=loader)


if __name__ == "__main__":
    main()
