"""The guard every assistant channel puts in front of Rasa's message handler.

* A message longer than the limit, or one more than the sender's quota for
  the window, gets a polite refusal and never reaches Rasa (nor its tracker).
* A turn that fails, or ends without a single bot message, gets an apology,
  unless the conversation is paused for course staff. Rasa 3.6 has no hook for a failed
  custom action: when the action server is down or times out it logs the
  error and the turn ends in silence, which a learner cannot tell from a
  lost message.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import Sanic

from assistant.channels.limits import NO_ANSWER, Limits, SenderRateLimiter, refusal

logger = logging.getLogger(__name__)

Handler = Callable[[UserMessage], Awaitable[Any]]


class CountingOutput(OutputChannel):
    """Passes every bot message on to ``inner`` and counts them."""

    def __init__(self, inner: OutputChannel) -> None:
        self.inner = inner
        self.sent = 0

    def name(self) -> str:  # type: ignore[override]
        # Rasa picks channel-specific responses by this name: keep the real channel's.
        return self.inner.name()

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        self.sent += 1
        await self.inner.send_response(recipient_id, message)


class ChannelGuard:
    """Size limit, rate limit per sender and the no-silent-turn apology for one channel."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.limiter = SenderRateLimiter(limits.messages, limits.window_seconds)
        self.app: Sanic | None = None

    def wrap(self, on_new_message: Handler) -> Handler:
        async def guarded(message: UserMessage) -> None:
            text = message.text or ""
            answer = refusal(text, message.sender_id, self.limits, self.limiter)
            if answer is not None:
                logger.info("refused a message of %d characters: over the size or rate limit", len(text))
                await message.output_channel.send_text_message(message.sender_id, answer)
                return
            output = message.output_channel
            counting = CountingOutput(output)
            message.output_channel = counting
            try:
                await on_new_message(message)
            except Exception:  # e.g. the tracker store is down: Rasa would answer nothing
                logger.exception("the turn failed")
                await output.send_text_message(message.sender_id, NO_ANSWER)
                return
            if counting.sent == 0 and not await self._paused(message.sender_id):
                await output.send_text_message(message.sender_id, NO_ANSWER)

        return guarded

    async def _paused(self, sender_id: str) -> bool:
        """Whether course staff hold the conversation (then the bot is silent on purpose)."""
        agent = getattr(self.app.ctx, "agent", None) if self.app is not None else None
        if agent is None or agent.tracker_store is None:
            return False
        tracker = await agent.tracker_store.retrieve(sender_id)
        return tracker is not None and tracker.is_paused()
