"""A fixed, realistic history of requests for the dashboard tests (same rows on every run)."""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from cco_tui.config.settings import load_config
from cco_tui.costs.usage import Usage
from cco_tui.store.record import CacheStatus, RequestRecord
from cco_tui.store.writer import RecordWriter

NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC).timestamp()
DEFAULT_USAGE = Usage(input=1200, output=350, cache_read=8000)
HOUR = 3600.0
DAY = 86400.0
CURRENT_PROJECT = "cco"
PROJECTS = ("cco", "webapp", "data-pipeline", "docs-site")
MODELS = (
    ("claude-sonnet-4-5-20250929", "anthropic", 6),
    ("claude-haiku-4-5", "anthropic", 3),
    ("claude-opus-4-5", "anthropic", 1),
    ("ollama/qwen2.5-coder", "ollama", 2),
    ("gpt-4o-mini", "openai", 1),
)


def record(
    ts: float,
    project: str = CURRENT_PROJECT,
    model: str = "claude-sonnet-4-5-20250929",
    usage: Usage = DEFAULT_USAGE,
    cache_status: CacheStatus = "miss",
    status: int = 200,
    latency_ms: float = 1800.0,
    provider: str = "anthropic",
) -> RequestRecord:
    item = RequestRecord(
        request_id=f"req-{ts:.3f}-{project}",
        ts_start=ts,
        project=project,
        project_path=f"/home/dev/{project}",
        requested_model=model,
        served_model=model,
        provider=provider,
        status=status,
        error_type="overloaded_error" if status == 529 else None,
        cache_status=cache_status,
        latency_ms=latency_ms,
    )
    if cache_status == "hit":
        item.original_usage, item.original_model = usage, model
    elif status == 200:
        item.set_usage(usage)
    return item


def history(now: float = NOW, seed: int = 7) -> list[RequestRecord]:
    """30 days across four projects, busier today in the current project; ends an hour before `now`."""
    rng = random.Random(seed)
    records = [_random_record(rng, now - 30 * DAY + i * 1800 + rng.random() * 1500) for i in range(1440)]
    records += [_random_record(rng, now - 8 * HOUR + i * 470, CURRENT_PROJECT) for i in range(60)]
    return [item for item in records if item.ts_start < now - 60]


def _random_record(rng: random.Random, ts: float, project: str | None = None) -> RequestRecord:
    model, provider = _pick_model(rng)
    usage = Usage(
        input=rng.randint(50, 4000),
        output=rng.randint(80, 2500),
        cache_write_5m=rng.choice((0, 0, 0, rng.randint(1000, 20000))),
        cache_read=rng.choice((0, rng.randint(5000, 90000))),
    )
    roll = rng.random()
    cache_status: CacheStatus = "hit" if roll < 0.12 else "miss"
    status = 529 if 0.12 <= roll < 0.15 else 200
    latency = 40.0 if cache_status == "hit" else rng.lognormvariate(7.3, 0.5)
    chosen = project or rng.choice((*PROJECTS, CURRENT_PROJECT, CURRENT_PROJECT))
    return record(ts, chosen, model, usage, cache_status, status, round(latency, 1), provider)


def _pick_model(rng: random.Random) -> tuple[str, str]:
    names = [(name, provider) for name, provider, weight in MODELS for _ in range(weight)]
    return rng.choice(names)


def write_records(db_path: Path, records: Iterable[RequestRecord]) -> None:
    """Through the real writer thread (pricing included); returns once every row is committed."""
    writer = RecordWriter(db_path, load_config().pricing)
    writer.start()
    for item in records:
        assert writer.submit(item)
    assert writer.stop(timeout=60)
