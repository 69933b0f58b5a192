"""`pricing_source`: a LiteLLM-format price map (URL or file) kept on disk and refreshed in a background thread.

Layers, later wins: the shipped table, then the source, then the user's model-pricing.json. The copy on disk
lets a restart price with the last good map without touching the network; an unreachable or broken source
leaves the current table in place and logs one line per failure streak. Nothing here runs on the request
path: readers take `table`, one reference swapped whole after each good refresh.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from cco_tui.config.errors import ConfigError
from cco_tui.costs.litellm import parse_litellm
from cco_tui.costs.pricing import PricingTable, merge

log = logging.getLogger("cco.pricing")

DAY_S = 86_400.0
RETRY_S = 3_600.0  # after a failed refresh, try again within the hour (or the interval, if shorter)
FETCH_TIMEOUT_S = 30.0
MAX_MAP_BYTES = 64 * 1024 * 1024  # the public map is ~1.5 MB; refuse anything absurd


def cached_source_path(db_path: Path) -> Path:
    """The last good copy of the source map lives next to the database it prices."""
    return db_path.with_name("pricing-source.json")


def read_source(location: str) -> bytes:
    """The map's bytes from an http(s) URL or a file path. Raises OSError or httpx.HTTPError."""
    if location.startswith(("http://", "https://")):
        with httpx.Client(timeout=FETCH_TIMEOUT_S, follow_redirects=True) as client:
            response = client.get(location)
            response.raise_for_status()
            return response.content[: MAX_MAP_BYTES + 1]
    return Path(location).expanduser().read_bytes()


class LivePricing:
    """The layered table, with the source part replaced by each good refresh."""

    def __init__(
        self,
        shipped: PricingTable,
        user: PricingTable | None,
        source: str,
        cache_path: Path,
        interval_s: float = DAY_S,
        on_change: Callable[[PricingTable], None] | None = None,
    ) -> None:
        self._shipped, self._user, self.source, self.cache_path = shipped, user, source, cache_path
        self.interval_s = interval_s
        self._on_change = on_change
        self._table = self._layered(None)
        self._failing = False
        self._has_source = False  # the table includes a source map (fetched now or saved before)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def table(self) -> PricingTable:
        return self._table

    def load_cached(self) -> bool:
        """Use the copy on disk, if there is a readable one (start-up: no network)."""
        try:
            self._use(self._parse(self.cache_path.read_bytes(), str(self.cache_path)))
        except OSError:
            return False
        except ConfigError as error:
            log.warning("ignoring the saved price map: %s", error)
            return False
        return True

    def refresh(self) -> bool:
        """Fetch, validate, swap in and save the source map. False (logged once per streak) when it failed."""
        try:
            raw = read_source(self.source)
            table = self._parse(raw, self.source)
        except (OSError, httpx.HTTPError, ConfigError) as error:
            self._failed(error)
            return False
        self._use(table)
        self._save(raw)
        log.info("pricing_source %s: prices for %d models", self.source, len(table))
        self._failing = False
        return True

    def seconds_until_due(self, now: float | None = None) -> float:
        """0 when the saved copy is missing or older than the interval."""
        try:
            age = (now or time.time()) - self.cache_path.stat().st_mtime
        except OSError:
            return 0.0
        return max(self.interval_s - age, 0.0)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="cco-pricing-source", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        wait = self.seconds_until_due() if self._has_source else 0.0  # a saved copy that did not load is not fresh
        while not self._stop.wait(wait):
            ok = self.refresh()
            wait = self.interval_s if ok else min(self.interval_s, RETRY_S)

    def _parse(self, raw: bytes, where: str) -> PricingTable:
        if len(raw) > MAX_MAP_BYTES:
            raise ConfigError(where, "(file)", f"larger than {MAX_MAP_BYTES} bytes: not a price map")
        try:
            data = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(where, "(file)", f"not valid JSON: {exc}") from None
        return parse_litellm(data, where)

    def _layered(self, source: PricingTable | None) -> PricingTable:
        table = self._shipped if source is None else merge(self._shipped, source)
        return table if self._user is None else merge(table, self._user)

    def _use(self, source: PricingTable) -> None:
        self._table = self._layered(source)
        self._has_source = True
        if self._on_change is not None:
            self._on_change(self._table)

    def _save(self, raw: bytes) -> None:
        """Atomically, so a reader never sees half a map."""
        try:
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.cache_path.parent, prefix=".pricing-source-")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(raw)
                os.replace(tmp, self.cache_path)
            finally:
                Path(tmp).unlink(missing_ok=True)
        except OSError as error:
            log.warning("cannot save the price map to %s: %s", self.cache_path, error)

    def _failed(self, error: Exception) -> None:
        if not self._failing:
            log.warning(
                "pricing_source %s unavailable (%s): pricing with the %s", self.source, error, self._fallback_name()
            )
        self._failing = True

    def _fallback_name(self) -> str:
        return "last good map" if self._has_source else "shipped table"
