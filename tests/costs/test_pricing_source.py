"""pricing_source: a LiteLLM-format map served over real loopback HTTP, refreshed, saved, and layered."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from quart import Quart, Response

from cco_tui.config.errors import ConfigError
from cco_tui.costs import Usage, load_pricing_file, price_request, shipped_pricing_path
from cco_tui.costs.litellm import parse_litellm
from cco_tui.costs.pricing import PricingTable, parse_pricing
from cco_tui.costs.source import LivePricing
from tests.conftest import write_config
from tests.fakes.anthropic_upstream import FakeAnthropic, Reply, message
from tests.fakes.process import headless_cco
from tests.fakes.serve import ThreadedServer, running

M = 1_000_000
NOVEL = "claude-novel-9"  # in no shipped table: only the served map prices it


def litellm_entry(input_per_m: float, output_per_m: float, **extra: Any) -> dict[str, Any]:
    return {
        "input_cost_per_token": input_per_m / M,
        "output_cost_per_token": output_per_m / M,
        "litellm_provider": "anthropic",
        "mode": "chat",
        **extra,
    }


SERVED: dict[str, Any] = {
    "sample_spec": {"input_cost_per_token": 0.0, "output_cost_per_token": 0.0, "mode": "one of chat, embedding"},
    NOVEL: litellm_entry(
        7,
        35,
        cache_creation_input_token_cost=8.75 / M,
        cache_creation_input_token_cost_above_1hr=14 / M,
        cache_read_input_token_cost=0.7 / M,
        input_cost_per_token_above_200k_tokens=14 / M,
        output_cost_per_token_above_200k_tokens=52.5 / M,
        cache_read_input_token_cost_above_200k_tokens=1.4 / M,
    ),
    "claude-opus-5-5": litellm_entry(3, 15),  # overrides the shipped $4/$20
    "dall-e-3": {"output_cost_per_image": 0.04, "mode": "image_generation"},
    "ollama/llama3": litellm_entry(0, 0),  # zero is "unknown" in the public map: our ollama/* pattern stays
    "somegateway/*": litellm_entry(1, 1),  # a key is an id, never a pattern
}


class MapServer:
    """Serves whatever `document` holds at /prices.json; `status` other than 200 makes it fail."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document, self.status, self.hits = document, 200, 0
        self.app = Quart(__name__)
        self.app.add_url_rule("/prices.json", "prices", self._serve)

    async def _serve(self) -> Response:
        self.hits += 1
        return Response(json.dumps(self.document), status=self.status, content_type="application/json")


@pytest.fixture
def served() -> Iterator[tuple[MapServer, ThreadedServer]]:
    maps = MapServer(json.loads(json.dumps(SERVED)))
    with running(maps.app) as server:
        yield maps, server


@pytest.fixture(scope="module")
def shipped() -> PricingTable:
    return load_pricing_file(shipped_pricing_path())


def live(shipped: PricingTable, url: str, tmp_path: Path, user: PricingTable | None = None, **kw: Any) -> LivePricing:
    return LivePricing(shipped, user, url, tmp_path / "pricing-source.json", **kw)


def test_litellm_fields_become_our_rates_and_tier() -> None:
    table = parse_litellm(SERVED, "map.json")
    price = table.lookup(NOVEL)
    assert price is not None
    assert (price.rates.input, price.rates.output, price.rates.cache_write_5m) == (7, 35, 8.75)
    assert (price.rates.cache_write_1h, price.rates.cache_read) == (14, 0.7)
    tier = price.long_context
    assert tier is not None and tier.threshold_tokens == 200_000
    # Given tier prices are used; the 1h write the map leaves out keeps its ratio to input (x2).
    assert (tier.rates.input, tier.rates.output, tier.rates.cache_read, tier.rates.cache_write_1h) == (
        14,
        52.5,
        1.4,
        28,
    )
    assert table.lookup("sample_spec") is None and table.lookup("dall-e-3") is None
    assert table.lookup("ollama/llama3") is None
    assert table.lookup("somegateway/anything") is None and len(table) == 2


def test_litellm_entry_without_cache_prices_uses_the_documented_multipliers() -> None:
    price = parse_litellm({"m": litellm_entry(4, 8)}, "map.json").lookup("m")
    assert price is not None
    assert (price.rates.cache_write_5m, price.rates.cache_write_1h, price.rates.cache_read) == (5, 8, 0.4)


@pytest.mark.parametrize("document", [[], {"only": {"mode": "image_generation"}}, {}])
def test_a_map_with_nothing_usable_is_refused(document: object) -> None:
    with pytest.raises(ConfigError, match=r"^map\.json: "):
        parse_litellm(document, "map.json")


def test_model_only_in_the_served_map_is_priced_after_a_refresh(
    served: tuple[MapServer, ThreadedServer], shipped: PricingTable, tmp_path: Path
) -> None:
    pricing = live(shipped, served[1].url + "/prices.json", tmp_path)
    usage = Usage(input=1000, output=100)
    assert price_request(pricing.table, NOVEL, usage).unpriced
    assert pricing.refresh()
    assert price_request(pricing.table, NOVEL, usage).cost_usd == pytest.approx((1000 * 7 + 100 * 35) / M)
    assert json.loads(pricing.cache_path.read_bytes())[NOVEL]["input_cost_per_token"] == 7 / M


def test_saved_map_prices_after_a_restart_without_the_network(
    served: tuple[MapServer, ThreadedServer], shipped: PricingTable, tmp_path: Path
) -> None:
    assert live(shipped, served[1].url + "/prices.json", tmp_path).refresh()
    restarted = live(shipped, "http://127.0.0.1:9/unreachable.json", tmp_path)
    assert restarted.load_cached()
    assert restarted.table.lookup(NOVEL) is not None
    assert restarted.seconds_until_due() > 86_000  # saved just now: the next fetch is a day away


def test_layers_user_over_source_over_shipped(
    served: tuple[MapServer, ThreadedServer], shipped: PricingTable, tmp_path: Path
) -> None:
    user = parse_pricing({"pricing": {NOVEL: {"input": 1, "output": 2}}}, "user.json")
    pricing = live(shipped, served[1].url + "/prices.json", tmp_path, user=user)
    assert pricing.refresh()
    opus, novel, haiku = (pricing.table.lookup(m) for m in ("claude-opus-5-5", NOVEL, "claude-haiku-4-5"))
    assert opus is not None and (opus.rates.input, opus.rates.output) == (3, 15)  # source over shipped
    assert novel is not None and (novel.rates.input, novel.rates.output) == (1, 2)  # user over source
    assert haiku is not None and haiku.rates.input == 1  # shipped where the source says nothing
    local = price_request(pricing.table, "ollama/llama3", Usage(input=M))
    assert local.cost_usd == 0 and local.saved_local_usd > 0


def test_unreachable_source_keeps_the_shipped_table_and_logs_one_line(
    served: tuple[MapServer, ThreadedServer], shipped: PricingTable, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    maps, server = served
    maps.status = 503
    pricing = live(shipped, server.url + "/prices.json", tmp_path)
    with caplog.at_level(logging.WARNING, logger="cco.pricing"):
        assert not pricing.refresh()
        assert not pricing.refresh()
    assert pricing.table.lookup(NOVEL) is None
    assert price_request(pricing.table, "claude-opus-5-5", Usage(input=M)).cost_usd == 4.0
    lines = [r.getMessage() for r in caplog.records if r.name == "cco.pricing"]
    assert len(lines) == 1 and "unavailable" in lines[0] and "shipped table" in lines[0]
    assert not pricing.cache_path.exists()


def test_broken_map_does_not_replace_the_last_good_one(
    served: tuple[MapServer, ThreadedServer], shipped: PricingTable, tmp_path: Path
) -> None:
    maps, server = served
    pricing = live(shipped, server.url + "/prices.json", tmp_path)
    assert pricing.refresh()
    maps.document = {"nothing": "here"}
    assert not pricing.refresh()
    assert pricing.table.lookup(NOVEL) is not None
    assert NOVEL in json.loads(pricing.cache_path.read_bytes())


def test_file_path_source(shipped: PricingTable, tmp_path: Path) -> None:
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(SERVED))
    pricing = live(shipped, str(path), tmp_path / "cache")
    assert pricing.refresh() and pricing.table.lookup(NOVEL) is not None


def test_background_thread_refreshes_on_its_interval(
    served: tuple[MapServer, ThreadedServer], shipped: PricingTable, tmp_path: Path
) -> None:
    maps, server = served
    del maps.document[NOVEL]
    changes: list[PricingTable] = []
    pricing = live(shipped, server.url + "/prices.json", tmp_path, interval_s=0.2, on_change=changes.append)
    pricing.start()
    try:
        _wait_for(lambda: maps.hits >= 1)
        assert pricing.table.lookup(NOVEL) is None
        maps.document[NOVEL] = litellm_entry(7, 35)
        _wait_for(lambda: pricing.table.lookup(NOVEL) is not None)
    finally:
        pricing.stop()
    assert changes and changes[-1] is pricing.table


def _wait_for(condition: Any, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_cco_prices_a_request_with_the_served_map(
    served: tuple[MapServer, ThreadedServer], fake: FakeAnthropic, fake_upstream: Any, tmp_path: Path
) -> None:
    """cco as a real process: the map is fetched in the background and the writer prices with it."""
    usage = {"input_tokens": 1000, "output_tokens": 100}
    fake.responder = lambda received: Reply(body=message(text="hi", usage=usage))
    settings = {"pricing_source": served[1].url + "/prices.json"}
    config = write_config(tmp_path / "config", fake_upstream[1].url, settings=settings)
    db = tmp_path / "cco.db"
    with headless_cco(config, db) as cco:
        _wait_for(lambda: (tmp_path / "pricing-source.json").exists())
        body = {"model": NOVEL, "max_tokens": 10, "messages": [{"role": "user", "content": "x"}]}
        reply = httpx.post(cco.url + "/v1/messages", json=body, headers={"x-api-key": "sk-ant-test"}, timeout=30)
        assert reply.status_code == 200
        _wait_for(lambda: _rows(cco.url) >= 1)
        stats = httpx.get(cco.url + "/api/stats", timeout=10).json()
    assert stats["unpriced_requests"] == 0
    assert stats["cost_usd"] == pytest.approx((1000 * 7 + 100 * 35) / M)


def _rows(url: str) -> int:
    return int(httpx.get(url + "/api/stats", timeout=10).json()["requests"])


@pytest.mark.parametrize(
    ("settings", "key"),
    [({"pricing_source": 42}, "pricing_source"), ({"pricing_source": " "}, "pricing_source"),
     ({"pricing_refresh_hours": 0}, "pricing_refresh_hours")],
)  # fmt: skip
def test_bad_pricing_settings_name_the_key(tmp_path: Path, settings: dict[str, Any], key: str) -> None:
    from cco_tui.config.settings import load_config

    config = write_config(tmp_path / "config", "http://127.0.0.1:9", settings=settings)
    with pytest.raises(ConfigError) as caught:
        load_config(str(config))
    assert caught.value.key == key and str(config / "settings.json") in str(caught.value)
