"""Fixtures for the translation tests: the real SDKs over real loopback HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import openai
import pytest

from tests.fakes.openai_upstream import FakeOpenAI
from tests.fakes.serve import ThreadedServer, running
from tests.translation.anthropic_replay import ReplayClient, replay_client


@pytest.fixture(scope="module")
def replay() -> Iterator[ReplayClient]:
    with replay_client() as client:
        yield client


@pytest.fixture(scope="module")
def openai_server() -> Iterator[tuple[FakeOpenAI, ThreadedServer]]:
    fake = FakeOpenAI()
    with running(fake) as server:
        yield fake, server


@pytest.fixture
def openai_fake(openai_server: tuple[FakeOpenAI, ThreadedServer]) -> FakeOpenAI:
    fake = openai_server[0]
    fake.script.clear()
    fake.received.clear()
    return fake


@pytest.fixture
def openai_client(openai_server: tuple[FakeOpenAI, ThreadedServer]) -> openai.OpenAI:
    return openai.OpenAI(base_url=openai_server[1].url + "/v1", api_key="sk-test-key", max_retries=0)
