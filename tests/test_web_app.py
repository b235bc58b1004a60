"""The web chat app's own routes: page, config, health, metrics, static files."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from assistant.launcher import LaunchError
from assistant.web.app import create_app
from assistant.web.server import running_web
from tests.conftest import free_port


async def test_page_config_and_health() -> None:
    async with TestClient(TestServer(create_app(rasa_port=5123))) as client:
        page = await client.get("/")
        assert page.status == 200
        html = await page.text()
        assert '<script src="/static/vendor/socket.io.min.js"' in html and 'id="log"' in html
        assert "script-src 'self'" in page.headers["Content-Security-Policy"]
        assert await (await client.get("/config.json")).json() == {"rasa_port": 5123}
        health = await client.get("/health")
        assert health.status == 200 and await health.json() == {"status": "ok"}


@pytest.mark.parametrize("path", ["/static/chat.js", "/static/render.js", "/static/vendor/socket.io.min.js"])
async def test_scripts_are_served_as_javascript(path: str) -> None:
    async with TestClient(TestServer(create_app(rasa_port=5005))) as client:
        response = await client.get(path)
        assert response.status == 200
        # module scripts load only with a JavaScript MIME type
        assert response.content_type in ("text/javascript", "application/javascript")


async def test_metrics_count_requests_per_route() -> None:
    async with TestClient(TestServer(create_app(rasa_port=5005))) as client:
        for _ in range(3):
            await client.get("/health")
        await client.get("/static/widget.css")
        await client.get("/no/such/page")
        metrics = await client.get("/metrics")
        assert metrics.status == 200 and metrics.content_type == "text/plain"
        text = await metrics.text()
    assert 'pathwise_web_requests_total{method="GET",route="/health",status="200"} 3.0' in text
    assert 'pathwise_web_requests_total{method="GET",route="/static",status="200"} 1.0' in text
    assert 'pathwise_web_requests_total{method="GET",route="unmatched",status="404"} 1.0' in text
    assert 'pathwise_web_request_duration_seconds_count{route="/health"} 3.0' in text


def test_a_port_in_use_is_a_clear_error() -> None:
    port = free_port()
    with running_web("127.0.0.1", port, rasa_port=5005):
        with pytest.raises(LaunchError, match=f"cannot listen on 127.0.0.1:{port}.*WEB_PORT"):
            with running_web("127.0.0.1", port, rasa_port=5005):
                pass
