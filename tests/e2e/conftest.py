"""Start the real Rasa server and the real action server once for the e2e tests."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field, replace

import pytest
import requests

from assistant.config import PROJECT_ROOT, Settings
from assistant.db.engine import session_factory
from assistant.launcher import Servers, prepare, running_servers
from tests.conftest import free_port
from tests.e2e.guarded import guarded  # noqa: F401  (the security and fault tests' server set)

ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"


@dataclass
class TurnTimer:
    """Wall-clock latency of every chat turn the e2e tests make."""

    seconds: dict[str, list[float]] = field(default_factory=dict)

    def add(self, channel: str, elapsed: float) -> None:
        self.seconds.setdefault(channel, []).append(elapsed)

    def summary(self) -> dict[str, dict[str, float]]:
        out = {}
        for channel, values in self.seconds.items():
            ordered = sorted(values)
            out[channel] = {
                "turns": len(ordered),
                "median_ms": round(1000 * ordered[len(ordered) // 2], 1),
                "p95_ms": round(1000 * ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1),
                "max_ms": round(1000 * ordered[-1], 1),
            }
        return out


@pytest.fixture(scope="session")
def turn_timer() -> Iterator[TurnTimer]:
    timer = TurnTimer()
    yield timer
    if timer.seconds:
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "e2e-latency.json").write_text(json.dumps(timer.summary(), indent=2))


@pytest.fixture(scope="session")
def e2e_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    var_dir = tmp_path_factory.mktemp("e2e") / "var"
    base = Settings.from_env()
    # Recommender artifacts are keyed by their data's fingerprint: keeping them
    # in the cache lets the next run reuse the one trained on the demo catalog.
    return replace(base, var_dir=var_dir, db_url=f"sqlite:///{var_dir / 'assistant.db'}",
                   models_dir=base.cache_dir / "e2e-recsys-models")


@pytest.fixture(scope="session")
def servers(e2e_settings: Settings) -> Iterator[Servers]:
    model = prepare(e2e_settings)
    with running_servers(e2e_settings, model, free_port(), free_port()) as running:
        yield running


@dataclass
class RestChat:
    servers: Servers
    sender: str
    timer: TurnTimer

    def say(self, text: str) -> list[dict]:
        started = time.perf_counter()
        response = requests.post(f"{self.servers.rasa_url}/webhooks/rest/webhook",
                                 json={"sender": self.sender, "message": text}, timeout=60)
        self.timer.add("rest", time.perf_counter() - started)
        assert response.status_code == 200, response.text
        return response.json()

    def tracker(self) -> dict:
        response = requests.get(f"{self.servers.rasa_url}/conversations/{self.sender}/tracker",
                                params={"token": self.servers.token}, timeout=30)
        assert response.status_code == 200
        return response.json()


@pytest.fixture
def rest_chat(servers: Servers, turn_timer: TurnTimer, request: pytest.FixtureRequest) -> RestChat:
    return RestChat(servers, f"e2e-{request.node.name}-{time.time_ns()}", turn_timer)


def texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def cards(messages: list[dict]) -> list[dict]:
    found = [m["custom"]["data"] for m in messages if "custom" in m]
    return [card for payload in found if payload.get("type") == "course_cards" for card in payload["cards"]]


def onboard_guitar_beginner(chat: Callable[[str], list[dict]]) -> str:
    """Fill the onboarding form (guitar, beginner, 5 h/week, $200, English, optional questions skipped),
    checking each question on the way; returns the confirmation text."""
    assert "learning goal" in texts(chat("set up my profile"))
    assert "level" in texts(chat("learn to play the guitar"))
    assert "hours a week" in texts(chat("beginner"))
    assert "budget" in texts(chat("5 hours"))
    assert "language" in texts(chat("$200"))
    assert "what do you do" in texts(chat("English")).lower()
    assert "age band" in texts(chat("skip")).lower()
    return texts(chat("skip"))


def price_within(card: dict, budget: float) -> bool:
    if card["price_kind"] in ("free", "audit"):
        return True
    return float(card["price"].lstrip("$")) <= budget


def assert_is_catalog_course(settings: Settings, card: dict) -> None:
    from assistant.db.models import Course

    with session_factory(settings.db_url)() as session:
        course = session.get(Course, card["course_id"])
    assert course is not None and course.title == card["title"]


CALL_REPORT = pytest.StashKey[pytest.TestReport]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item,
                               call: pytest.CallInfo) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep the test's call report on the item, so a fixture can tell that the
    test failed (the browser tests save a screenshot then)."""
    report = yield
    if report.when == "call":
        item.stash[CALL_REPORT] = report
    return report


@pytest.fixture
def call_failed(request: pytest.FixtureRequest) -> Callable[[], bool]:
    """Whether the test itself failed; for a fixture's teardown to ask."""
    def failed() -> bool:
        report = request.node.stash.get(CALL_REPORT, None)
        return report is not None and report.failed
    return failed
