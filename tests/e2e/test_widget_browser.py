"""End-to-end: the web chat widget in headless Chromium, against the real Rasa
and action servers (socket.io), served by the web app on a free port."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from assistant.launcher import Servers
from assistant.web.server import running_web
from tests.conftest import free_port
from tests.e2e.conftest import ARTIFACTS

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CONNECT_MS = 30_000
REPLY_MS = 60_000
REQUEST = "I want to learn python, my budget is $50"
MARKUP = """<script>window.__xss = "script"</script><img src=x onerror="window.__xss = 'img'"> <b>bold</b>"""

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"),
                       reason=f"no Chromium at {CHROMIUM}: scripts/setup.sh installs the Debian packages "
                              "chromium and chromium-driver"),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"no Chromium at {CHROMIUM} in CI: scripts/setup.sh should have installed it")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def web_url(servers: Servers, e2e_settings) -> Iterator[str]:
    with running_web(e2e_settings.host, free_port(), urlsplit(servers.rasa_url).port) as url:
        yield url


@pytest.fixture
def page(browser: Browser, call_failed: Callable[[], bool],
         request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser profile (empty localStorage); a screenshot if the test fails."""
    context = browser.new_context(viewport={"width": 900, "height": 1000})
    page = context.new_page()
    yield page
    if call_failed():
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"{request.node.name}.png", full_page=True)
    context.close()


@dataclass
class Widget:
    """The chat page as a learner sees it."""

    page: Page
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def open(self, url: str) -> None:
        self.page.goto(url)
        self.wait_connected()

    def wait_connected(self) -> None:
        expect(self.page.locator("#status")).to_be_hidden(timeout=CONNECT_MS)

    def say(self, text: str) -> None:
        self.page.fill("#message", text)
        self.page.press("#message", "Enter")

    @property
    def user_texts(self) -> Locator:
        return self.page.locator(".message--user .message__text")

    @property
    def bot_texts(self) -> Locator:
        return self.page.locator(".message--bot .message__text")

    @property
    def card_lists(self) -> Locator:
        return self.page.locator(".message--cards")

    def quick_reply(self, title: str) -> Locator:
        return self.page.locator(".quick-replies__button:enabled", has_text=title)

    def last_cards(self) -> list[dict]:
        """The newest list of cards, read back from the DOM."""
        return self.page.evaluate("""() => {
            const lists = document.querySelectorAll('.message--cards');
            return [...lists[lists.length - 1].querySelectorAll('.card')].map((card) => ({
                title: card.querySelector('.card__title').textContent,
                facts: Object.fromEntries([...card.querySelectorAll('dt')].map(
                    (dt) => [dt.textContent, dt.nextElementSibling.textContent])),
                reason: card.querySelector('.card__reason')?.textContent ?? '',
                href: card.querySelector('a')?.href ?? null,
            }));
        }""")

    def watch_typing(self) -> None:
        """Note whether the typing indicator is ever shown from now on."""
        self.page.evaluate("""() => {
            window.__typingShown = false;
            const typing = document.getElementById('typing');
            new MutationObserver(() => { if (!typing.hidden) window.__typingShown = true; })
                .observe(typing, { attributes: true });
        }""")

    def typing_was_shown(self) -> bool:
        return self.page.evaluate("window.__typingShown")


def fits_budget(price: str, budget: float) -> bool:
    if price.startswith(("Free", "Free to audit")):
        return True
    match = re.fullmatch(r"\$(\d+(?:\.\d+)?)", price)
    return match is not None and float(match.group(1)) <= budget


def test_conversation_with_quick_replies_cards_and_reload(page: Page, web_url: str) -> None:
    widget = Widget(page)
    widget.open(web_url)
    widget.watch_typing()

    widget.say("hi")
    expect(widget.bot_texts.first).to_contain_text("Hi! I'm Pathwise", timeout=REPLY_MS)
    assert widget.typing_was_shown(), "no typing indicator while waiting for the answer"
    expect(page.locator("#typing")).to_be_hidden()

    greeting_button = widget.quick_reply("Python for data analysis")
    greeting_button.click()
    expect(widget.user_texts.last).to_have_text("Python for data analysis")  # the title, not the payload
    expect(widget.card_lists).to_have_count(1, timeout=REPLY_MS)
    expect(page.locator(".quick-replies__button", has_text="Python for data analysis")).to_be_disabled()

    widget.say(REQUEST)
    expect(widget.card_lists).to_have_count(2, timeout=REPLY_MS)
    cards = widget.last_cards()
    assert cards, "an empty list of cards"
    for card in cards:
        assert card["title"].strip()
        assert fits_budget(card["facts"]["Price"], 50), card
        assert card["facts"]["Level"] and card["facts"]["Effort"], card
        assert card["reason"].startswith("Why: ") and len(card["reason"]) > len("Why: "), card
        assert card["href"] and card["href"].startswith(("http://", "https://")), card
    expect(widget.quick_reply("Something else")).to_be_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "widget-cards.png")

    shown = page.locator("#log").inner_text()
    entries = page.locator("#log > li").count()
    page.reload()
    expect(page.locator("#log > li")).to_have_count(entries)
    assert page.locator("#log").inner_text() == shown
    expect(page.locator(".quick-replies__button", has_text="Python for data analysis")).to_be_disabled()
    widget.wait_connected()

    # "Something else" refines the list Rasa remembers for this session: a new
    # list of cards proves the reloaded page rejoined the same conversation.
    widget.quick_reply("Something else").click()
    expect(widget.user_texts.last).to_have_text("Something else")
    expect(widget.card_lists).to_have_count(3, timeout=REPLY_MS)
    assert "haven't shown you any courses" not in page.locator("#log").inner_text()

    session = page.evaluate("localStorage.getItem('pathwise.session_id')")
    page.get_by_role("button", name="Start over").click()
    expect(page.locator("#log > li")).to_have_count(0)
    widget.wait_connected()
    assert page.evaluate("localStorage.getItem('pathwise.session_id')") not in (None, session)
    assert widget.errors == []


def test_markup_in_messages_and_cards_is_shown_as_text(page: Page, web_url: str) -> None:
    widget = Widget(page)
    widget.open(web_url)
    message = f"I want to learn {MARKUP}"
    widget.say(message)
    assert widget.user_texts.last.text_content() == message
    expect(widget.bot_texts.first).to_be_visible(timeout=REPLY_MS)

    # Restored history goes through the same rendering as live messages:
    # hostile card fields and a javascript: link must come out as plain text.
    hostile_card = {"title": MARKUP, "institution": MARKUP, "price": MARKUP, "price_kind": "paid",
                    "level": MARKUP, "effort": MARKUP, "reason": MARKUP, "url": "javascript:window.__xss='link'"}
    history = [{"kind": "text", "role": "bot", "text": MARKUP},
               {"kind": "quick_replies", "replies": [{"title": MARKUP, "payload": "/help"}], "spent": False},
               {"kind": "cards", "cards": [hostile_card]}]
    page.evaluate("history => localStorage.setItem('pathwise.history', history)", json.dumps(history))
    page.reload()
    expect(page.locator(".card")).to_have_count(1)
    assert widget.bot_texts.first.text_content() == MARKUP
    assert page.locator(".quick-replies__button").text_content() == MARKUP
    assert page.locator(".card__title").text_content() == MARKUP
    assert page.locator(".card a").count() == 0, "a javascript: link was rendered"
    assert page.locator("#log script, #log img, #log b").count() == 0
    assert page.evaluate("window.__xss") is None
    assert widget.errors == []


def test_unreachable_assistant_shows_a_reconnecting_notice(page: Page) -> None:
    with running_web("127.0.0.1", free_port(), rasa_port=free_port()) as url:  # nothing listens there
        widget = Widget(page)
        page.goto(url)
        status = page.locator("#status")
        expect(status).to_contain_text("Reconnecting", timeout=CONNECT_MS)
        widget.say("hello?")
        expect(widget.user_texts.last).to_have_text("hello?")
        expect(status).to_contain_text("will be sent when the connection is back")
        expect(page.locator("#typing")).to_be_hidden()
        assert widget.errors == []
