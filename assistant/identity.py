"""Pseudonymous learner ids.

The channel's sender id is never stored or used as a database key. The learner
key is an HMAC of it under a server-side secret, so a leaked database does not
reveal sender ids and a guessed sender id cannot be turned into a row id.
"""

from __future__ import annotations

import hashlib
import hmac


def pseudonym(sender_id: str, key: str) -> str:
    """Return the 32-hex-character pseudonym of ``sender_id`` under ``key``."""
    if not sender_id:
        raise ValueError("sender id is empty")
    digest = hmac.new(key.encode(), sender_id.encode(), hashlib.sha256).hexdigest()
    return digest[:32]
