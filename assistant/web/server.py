"""Run the web app in a background thread next to the other servers."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from aiohttp import web

from assistant.launcher import LaunchError
from assistant.web.app import create_app


async def _start(host: str, port: int, rasa_port: int) -> web.AppRunner:
    runner = web.AppRunner(create_app(rasa_port), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except BaseException:
        await runner.cleanup()
        raise
    return runner


@contextmanager
def running_web(host: str, port: int, rasa_port: int) -> Iterator[str]:
    """Serve the chat page on ``host:port`` until the block ends; yields its URL.

    The app has its own event loop in a thread, so the caller may be plain
    synchronous code or run a loop of its own. The socket is bound before this
    returns: a port in use fails here, at once, saying what to change.
    """
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="web-chat", daemon=True)
    thread.start()

    def stop(runner: web.AppRunner | None) -> None:
        if runner is not None:
            asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()

    try:
        runner = asyncio.run_coroutine_threadsafe(_start(host, port, rasa_port), loop).result(timeout=30)
    except BaseException as error:
        stop(None)
        if isinstance(error, OSError):
            raise LaunchError(f"the web chat cannot listen on {host}:{port} ({error.strerror or error}); "
                              "set WEB_PORT to a free port") from None
        raise
    try:
        yield f"http://{host}:{port}/"
    finally:
        stop(runner)
