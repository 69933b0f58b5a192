"""The persistent tier: a real SQLite file that survives a restart, bounded like memory, private."""

from __future__ import annotations

import asyncio
import sqlite3
import stat
from pathlib import Path

import pytest

from cco_tui.cache.entry import CacheEntry, entry_as_json
from cco_tui.cache.persist import PersistentTier, warm
from cco_tui.cache.store import ResponseCache
from cco_tui.wire.events import sse_to_message
from tests.cache import streams


class Clock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def stream_entry(created_at: float) -> CacheEntry:
    message = sse_to_message(streams.TOOL_STREAM)
    return CacheEntry(streams.TOOL_STREAM, True, message["usage"], message["model"], created_at)


def tier(path: Path, clock: Clock, max_bytes: int = 10_000_000, ttl: float = 3600) -> PersistentTier:
    return PersistentTier(path / "cache.db", max_bytes=max_bytes, ttl_seconds=ttl, clock=clock)


def test_entries_survive_a_restart(tmp_path: Path) -> None:
    clock = Clock()
    first = tier(tmp_path, clock)
    original = stream_entry(clock.now)
    first.save("scope-a", "k1", original)
    first.close()
    clock.now += 100
    restored = tier(tmp_path, clock).load()
    assert [(item.scope, item.key, item.age) for item in restored] == [("scope-a", "k1", 100.0)]
    assert restored[0].entry == original


def test_the_scope_secret_is_kept(tmp_path: Path) -> None:
    clock = Clock()
    secret = tier(tmp_path, clock).scope_secret()
    assert len(secret) == 32
    assert tier(tmp_path, clock).scope_secret() == secret


def test_the_file_is_private(tmp_path: Path) -> None:
    tier(tmp_path, Clock()).save("s", "k", stream_entry(0))
    assert stat.S_IMODE((tmp_path / "cache.db").stat().st_mode) == 0o600


def test_expired_entries_are_not_loaded_and_are_deleted(tmp_path: Path) -> None:
    clock = Clock()
    store = tier(tmp_path, clock, ttl=60)
    store.save("s", "old", stream_entry(clock.now - 61))
    store.save("s", "new", stream_entry(clock.now - 10))
    assert [item.key for item in store.load()] == ["new"]
    assert store.stats()["entries"] == 1 and store.stats()["bytes"] == stream_entry(0).size


def test_the_byte_bound_drops_the_oldest_first(tmp_path: Path) -> None:
    clock = Clock()
    size = stream_entry(0).size
    store = tier(tmp_path, clock, max_bytes=3 * size)
    for i in range(5):
        store.save("s", f"k{i}", stream_entry(clock.now + i))
    assert [item.key for item in store.load()] == ["k2", "k3", "k4"]
    assert store.stats()["bytes"] == 3 * size


def test_replacing_and_clearing_keep_the_accounting(tmp_path: Path) -> None:
    clock = Clock()
    store = tier(tmp_path, clock)
    store.save("s", "k", stream_entry(clock.now))
    store.save("s", "k", stream_entry(clock.now + 1))
    assert store.stats() == {"entries": 1, "bytes": stream_entry(0).size, "max_bytes": 10_000_000}
    store.delete("s", "k")
    assert store.stats()["bytes"] == 0
    store.save("s", "k", stream_entry(clock.now))
    assert store.clear() == 1 and store.stats()["bytes"] == 0


def test_warming_memory_keeps_the_original_expiry(tmp_path: Path) -> None:
    wall, mono = Clock(), Clock(50.0)
    store = tier(tmp_path, wall, ttl=3600)
    store.save("s", "k", stream_entry(wall.now))
    wall.now += 3000
    memory = ResponseCache(max_bytes=10_000_000, ttl_seconds=3600, clock=mono)
    assert warm(memory, store.load()) == 1
    hit = memory.get("s", "k")
    assert hit is not None and entry_as_json(hit)  # it still answers as JSON from the stored stream
    mono.now += 601
    assert memory.get("s", "k") is None  # 3000 s lived before the restart + 601 after > 3600


def test_entries_from_another_key_format_are_dropped(tmp_path: Path) -> None:
    clock = Clock()
    tier(tmp_path, clock).save("s", "k", stream_entry(clock.now))
    with sqlite3.connect(tmp_path / "cache.db") as db:
        db.execute("UPDATE meta SET value = ? WHERE name = 'key_format'", (b"0",))
    assert tier(tmp_path, clock).load() == []


async def test_usable_from_worker_threads(tmp_path: Path) -> None:
    clock = Clock()
    store = tier(tmp_path, clock)
    await asyncio.gather(*(asyncio.to_thread(store.save, "s", f"k{i}", stream_entry(clock.now)) for i in range(20)))
    assert len(await asyncio.to_thread(store.load)) == 20


@pytest.mark.parametrize("age", [3600, 4000])
def test_memory_refuses_entries_already_expired(age: float) -> None:
    memory = ResponseCache(max_bytes=10_000_000, ttl_seconds=3600)
    assert not memory.put("s", "k", stream_entry(0), age=age)
    assert len(memory) == 0
