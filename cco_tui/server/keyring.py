"""The access tokens the server accepts, cached in memory: token hash → key.

The table is re-read every second in a worker thread, so a revocation is seen within a second and no request
ever waits on the database for a known token. A token not in the cache (made since the last read) costs one
indexed read, also off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from cco_tui.store.access_keys import AccessKey, active_keys, find_key, token_hash
from cco_tui.store.connect import open_database
from cco_tui.store.target import DbTarget

log = logging.getLogger("cco.server")
POLL_SECONDS = 1.0


class KeyRing:
    def __init__(self, db_path: DbTarget | Path | str) -> None:
        self.db_path = db_path
        self._by_hash: dict[str, AccessKey] = {}
        self._poller: asyncio.Task[None] | None = None

    async def open(self) -> None:
        await asyncio.to_thread(open_database, self.db_path)
        self._by_hash = await asyncio.to_thread(active_keys)
        self._poller = asyncio.ensure_future(self._poll())

    async def close(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            await asyncio.gather(self._poller, return_exceptions=True)
            self._poller = None

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(POLL_SECONDS)
            try:
                self._by_hash = await asyncio.to_thread(active_keys)
            except Exception as error:  # a busy or broken file: keep the last known keys, try again
                log.warning("could not re-read access tokens: %s", error)

    async def authenticate(self, token: str) -> AccessKey | None:
        digest = token_hash(token)
        key = self._by_hash.get(digest)
        if key is None and self._poller is not None:
            key = await asyncio.to_thread(find_key, digest)
        return key

    def keys(self) -> list[AccessKey]:
        return list(self._by_hash.values())
