"""The response cache: keys and scopes, byte-bounded storage, and coalescing of identical requests.

Server-side code: never imports Textual.
"""

from cco_tui.cache.coalesce import Flight, InFlight
from cco_tui.cache.entry import (
    CacheEntry,
    body_as_json,
    body_as_sse,
    entry_as_json,
    entry_as_sse,
    replay,
)
from cco_tui.cache.keys import cache_key, credential_scope, credential_scope_of, new_scope_secret
from cco_tui.cache.persist import PersistentTier, Restored, warm
from cco_tui.cache.store import ResponseCache

__all__ = [
    "CacheEntry",
    "Flight",
    "InFlight",
    "PersistentTier",
    "ResponseCache",
    "Restored",
    "body_as_json",
    "body_as_sse",
    "cache_key",
    "credential_scope",
    "credential_scope_of",
    "entry_as_json",
    "entry_as_sse",
    "new_scope_secret",
    "replay",
    "warm",
]
