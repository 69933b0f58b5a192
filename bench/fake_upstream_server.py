"""The tests' fake Anthropic upstream as a standalone process, for benchmarks.

Run: `python -m bench.fake_upstream_server PORT`.
"""

from __future__ import annotations

import asyncio
import sys

from hypercorn.asyncio import serve
from hypercorn.config import Config

from tests.fakes.anthropic_upstream import FakeAnthropic


def main() -> None:
    config = Config()
    config.bind = [f"127.0.0.1:{int(sys.argv[1])}"]
    config.accesslog = None
    config.errorlog = None
    asyncio.run(serve(FakeAnthropic(record=False), config))  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
