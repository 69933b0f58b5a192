"""Plan and rate-limit meters per credential, read from the upstream's answer headers as they arrive.

A credential is named by an HMAC of its key or token (the secret is kept in the database, so the name stays
the same across restarts); the key itself is never kept. The book holds the latest meters of the most recent
credentials (bounded), logs a warning when a plan window crosses 80 % or 95 %, and hands each new snapshot on
(to the writer, which saves it with the next batch).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import datetime

from cco_tui.store.meters import MeterSnapshot
from cco_tui.wire.credentials import presented_credential
from cco_tui.wire.ratelimits import RateLimits, Window, rate_limits

log = logging.getLogger("cco.meters")
THRESHOLDS = (0.80, 0.95)
WINDOW_NAMES = {"five_hour": "5-hour", "seven_day": "7-day"}
NEW_WINDOW_S = 60  # a reset time that moved later by more than this: the window started over
NO_CREDENTIAL = "none"  # an upstream that needs no key (a local server) may still send the headers


def credential_id(secret: bytes, credential: str | None) -> str:
    if not credential:
        return NO_CREDENTIAL
    return hmac.new(secret, credential.encode("utf-8", "replace"), hashlib.sha256).hexdigest()[:16]


class MeterBook:
    def __init__(self, limit: int = 64, on_snapshot: Callable[[MeterSnapshot], None] | None = None) -> None:
        self.secret = secrets.token_bytes(32)  # replaced by the persisted one when the database opens
        self._latest: OrderedDict[str, MeterSnapshot] = OrderedDict()
        self._limit = limit
        self._on_snapshot = on_snapshot
        self._ids: dict[bytes, str] = {}

    def restore(self, secret: bytes, snapshots: Iterable[MeterSnapshot]) -> None:
        self.secret = secret
        self._ids.clear()
        for snapshot in sorted(snapshots, key=lambda s: s.updated_at):
            self._keep(snapshot)

    def observe(
        self,
        request_headers: list[tuple[bytes, bytes]],
        reply_headers: Iterable[tuple[bytes, bytes]],
        key_env: str | None = None,
    ) -> MeterSnapshot | None:
        """Read an answer's head; None (and no work beyond one scan) when it carries no rate-limit headers."""
        limits = rate_limits(reply_headers)
        if limits is None:
            return None
        credential = presented_credential(request_headers) or (os.environ.get(key_env) if key_env else None)
        snapshot = MeterSnapshot(self._id_of(credential), limits, time.time())
        previous = self._latest.get(snapshot.credential)
        self._keep(snapshot)
        warn_crossings(snapshot, previous.limits if previous else None)
        if self._on_snapshot is not None:
            self._on_snapshot(snapshot)
        return snapshot

    def _id_of(self, credential: str | None) -> str:
        """The HMAC once per credential (a few keys, thousands of requests); the cache holds only ids."""
        key = hashlib.sha256(credential.encode("utf-8", "replace")).digest() if credential else b""
        known = self._ids.get(key)
        if known is None:
            known = self._ids[key] = credential_id(self.secret, credential)
            if len(self._ids) > self._limit:
                self._ids.pop(next(iter(self._ids)))
        return known

    def _keep(self, snapshot: MeterSnapshot) -> None:
        self._latest[snapshot.credential] = snapshot
        self._latest.move_to_end(snapshot.credential)
        while len(self._latest) > self._limit:
            self._latest.popitem(last=False)

    def snapshots(self) -> list[MeterSnapshot]:
        """Most recently updated first."""
        return list(reversed(self._latest.values()))


def crossings(limits: RateLimits, previous: RateLimits | None) -> list[tuple[str, float, float]]:
    """(window, threshold, utilization) for each plan threshold this snapshot crossed upwards."""
    crossed = []
    for name, window in limits.windows.items():
        if window.utilization is not None:
            was = used_before(window, previous.windows.get(name) if previous is not None else None)
            crossed += [(name, t, window.utilization) for t in THRESHOLDS if was < t <= window.utilization]
    return crossed


def used_before(window: Window, before: Window | None) -> float:
    """The window's utilization last time; 0 when unseen or when a new window has started since."""
    if before is None or before.utilization is None:
        return 0.0
    if window.resets_at and before.resets_at and window.resets_at - before.resets_at > NEW_WINDOW_S:
        return 0.0
    return before.utilization


def warn_crossings(snapshot: MeterSnapshot, previous: RateLimits | None) -> None:
    for name, threshold, used in crossings(snapshot.limits, previous):
        resets = snapshot.limits.windows[name].resets_at
        when = f", resets {datetime.fromtimestamp(resets).strftime('%H:%M')}" if resets else ""
        log.warning(
            "plan limit: credential %s used %.0f%% of its %s window (crossed %.0f%%)%s",
            snapshot.credential,
            used * 100,
            WINDOW_NAMES.get(name, name),
            threshold * 100,
            when,
        )
