"""A server set for the security and fault tests, separate from the shared ``servers``.

It differs from the shared set where those tests need it: Rasa runs with
``--cors`` for one widget origin and small chat limits, and the learner
database is a PostgreSQL database reached through a TCP proxy the tests can
cut (:class:`TcpProxy`), so PostgreSQL itself is never stopped. Tests that
break a server restart it with :func:`restart`.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from assistant.config import PROJECT_ROOT, Settings
from assistant.launcher import Servers, ServerCommand, action_server_command, prepare, rasa_server_command, \
    running_servers
from tests.conftest import POSTGRES_URL, free_port

WIDGET_ORIGIN = "http://chat.pathwise.test"
RATE_LIMIT = 10
MAX_MESSAGE_CHARS = 2000
# A window far longer than any test, so the rate test never depends on timing.
LIMITS_ENV = {"ASSISTANT_RATE_LIMIT": str(RATE_LIMIT), "ASSISTANT_RATE_WINDOW": "3600",
              "ASSISTANT_MAX_MESSAGE_CHARS": str(MAX_MESSAGE_CHARS)}


class TcpProxy:
    """Forwards a local port to a TCP server; :meth:`cut` drops every connection and refuses new ones."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        listener.settimeout(0.2)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            for sock in self._open:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
            self._open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


@dataclass
class GuardedStack:
    """The running servers and what it takes to restart them."""

    servers: Servers
    settings: Settings
    model: Path
    rasa_port: int
    action_port: int
    proxy: TcpProxy

    def command(self, name: str) -> ServerCommand:
        if name == "action server":
            command = action_server_command(self.settings, self.action_port)
        else:
            command = rasa_server_command(self.settings, self.model, self.rasa_port, self.action_port, WIDGET_ORIGIN)
        command.env.update(LIMITS_ENV)
        return command


def kill(stack: GuardedStack, name: str) -> None:
    """SIGKILL the named server (``"action server"`` or ``"Rasa server"``) and wait until it is gone."""
    for entry_name, process, _ in stack.servers.processes:
        if entry_name == name and process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def restart(stack: GuardedStack, name: str) -> None:
    """Kill the named server if it still runs, start it again and wait until it answers."""
    kill(stack, name)
    command = stack.command(name)
    with command.log.open("ab") as log:
        process = subprocess.Popen(command.argv, cwd=PROJECT_ROOT, env=command.env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    processes = stack.servers.processes
    index = next(i for i, (entry_name, _, _) in enumerate(processes) if entry_name == name)
    processes[index] = (name, process, command.log)
    url = (f"http://{stack.settings.host}:{stack.action_port}/health" if name == "action server"
           else f"{stack.servers.rasa_url}/status?token={stack.servers.token}")
    deadline = time.monotonic() + 400
    while time.monotonic() < deadline:
        stack.servers.check_alive()
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise AssertionError(f"the {name} did not come back at {url}")


@contextmanager
def _learner_database() -> Iterator[str]:
    """A fresh PostgreSQL database for the learner data; dropped afterwards. Skips without PostgreSQL (not in CI)."""
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"pathwise_guarded_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        admin.dispose()
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}: {error.orig}")
    try:
        yield name
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def guarded(e2e_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GuardedStack]:
    """Rasa with --cors and small limits, the action server on PostgreSQL through a proxy."""
    postgres = make_url(POSTGRES_URL)
    with _learner_database() as database:
        proxy = TcpProxy((postgres.host or "127.0.0.1", postgres.port or 5432))
        proxy.start()
        var_dir = tmp_path_factory.mktemp("guarded") / "var"
        db_url = postgres.set(host="127.0.0.1", port=proxy.port, database=database).render_as_string(
            hide_password=False)
        settings = replace(e2e_settings, var_dir=var_dir, db_url=db_url)
        model = prepare(settings)
        rasa_port, action_port = free_port(), free_port()
        with ExitStack() as stack:
            stack.callback(proxy.cut)  # after the servers have stopped
            with pytest.MonkeyPatch.context() as patch:  # the limits reach only these servers
                for name, value in LIMITS_ENV.items():
                    patch.setenv(name, value)
                servers = stack.enter_context(running_servers(settings, model, rasa_port, action_port,
                                                              cors=WIDGET_ORIGIN))
            yield GuardedStack(servers, settings, model, rasa_port, action_port, proxy)
