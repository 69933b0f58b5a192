"""`cco --web` in Debian's headless Chromium: what a browser tab costs.

- first screen: from navigating to the page until the dashboard's three tabs are on the browser's terminal
  (page load, websocket, starting a viewer process, its first database read and paint);
- tab switch: from pressing `2` until Machine-Wide's content is on screen;
- memory: resident size of each tab's viewer process, and of the serving cco.

Usage: python bench/web_dashboard.py [--tabs 4]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import fake_upstream, write_config  # noqa: E402
from tests.fakes.process import free_port, headless_cco  # noqa: E402
from tests.web.browser import chromium, wait_for_screen  # noqa: E402

TABS = ("Current Project", "Machine-Wide", "Terminal")


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as listing:
        return [int(child) for child in listing.read().split()]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tabs", type=int, default=4)
    tabs = parser.parse_args().tabs
    first, switch = [], []
    with fake_upstream() as upstream:
        config = write_config(upstream)
        web_port = free_port()
        args = ("--web", "--web-port", str(web_port), "--log-level", "warning")
        with headless_cco(config, config / "bench.db", *args) as cco, chromium(Path(tempfile.mkdtemp())) as browser:
            for _ in range(tabs):
                page = browser.new_page()
                started = time.perf_counter()
                page.goto(f"http://127.0.0.1:{web_port}/")
                wait_for_screen(page, *TABS, "Burn rate")
                first.append(time.perf_counter() - started)
                started = time.perf_counter()
                page.keyboard.press("2")
                wait_for_screen(page, "All projects on this machine")
                switch.append(time.perf_counter() - started)
            viewers = [rss_mb(pid) for pid in children(cco.process.pid)]
            print(f"tabs open: {tabs}, viewer processes: {len(viewers)}")
            print(f"first screen  median {statistics.median(first):.2f} s  max {max(first):.2f} s")
            print(f"tab switch    median {statistics.median(switch):.2f} s  max {max(switch):.2f} s")
            serving = rss_mb(cco.process.pid)
            print(f"viewer RSS    median {statistics.median(viewers):.0f} MB each; serving cco {serving:.0f} MB")


if __name__ == "__main__":
    main()
