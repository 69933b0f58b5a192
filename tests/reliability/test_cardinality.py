"""Clients choose model and project names: what cco keeps per name (metric labels, warnings) must stay bounded."""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from cco_tui.server.metrics import MAX_PROJECT_LABELS
from tests.reliability.conftest import BODY, KEY, rows, serve

NAMES = 400


def label_values(text: str, label: str) -> set[str]:
    return {
        sample.labels[label]
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if label in sample.labels
    }


def test_distinct_names_do_not_grow_labels_or_warnings(
    tmp_path: Path, fake_upstream, caplog: pytest.LogCaptureFixture
) -> None:
    _fake, upstream = fake_upstream
    caplog.set_level(logging.WARNING)
    with serve(tmp_path, upstream, settings={"cache": {"enabled": False}}) as server, httpx.Client() as client:

        def send(number: int) -> int:
            body = {**BODY, "model": f"claude-made-up-{number}"}
            headers = {**KEY, "x-cco-project": f"project-{number}"}
            return client.post(server.url + "/v1/messages", json=body, headers=headers, timeout=30).status_code

        with ThreadPoolExecutor(8) as pool:
            assert set(pool.map(send, range(NAMES))) == {200}
        assert client.post(server.url + "/v1/messages", json=BODY, headers=KEY, timeout=30).status_code == 200
        deadline = time.monotonic() + 20
        while len(rows(tmp_path / "cco.db")) < NAMES + 1 and time.monotonic() < deadline:
            time.sleep(0.2)
        scrape = client.get(server.url + "/metrics", timeout=30).text
    models = label_values(scrape, "model")
    assert models == {"other", "claude-sonnet-4-6"}, models
    projects = label_values(scrape, "project")
    assert len(projects) <= MAX_PROJECT_LABELS + 1 and "other" in projects
    warnings = [r for r in caplog.records if "no price for model" in r.getMessage()]
    assert 1 <= len(warnings) <= 3, [r.getMessage() for r in warnings]
    assert len({r["model"] for r in rows(tmp_path / "cco.db")}) == NAMES + 1  # the rows keep the real names
