"""Debian's Chromium, headless, driven by Playwright's Python package (no browser download), reading what the
page's terminal (xterm.js) shows."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

CHROMIUM = os.environ.get("CCO_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",  # the tests run as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

# textual-serve's client keeps its xterm.js Terminal in a private object; catching the assignment lets the test read
# the terminal's screen buffer, the text xterm.js draws onto the canvas.
SCREEN_HOOK = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "terminal", {value, writable: true, configurable: true, enumerable: true});
    window.ccoTerminal = value;
  },
});
window.screenText = () => {
  const terminal = window.ccoTerminal;
  if (!terminal) return "";
  const buffer = terminal.buffer.active;
  const lines = [];
  for (let row = 0; row < terminal.rows; row++) {
    const line = buffer.getLine(buffer.viewportY + row);
    lines.push(line ? line.translateToString(true) : "");
  }
  return lines.join("\\n");
};
"""


def require_chromium() -> None:
    """Skip where Chromium or Playwright is missing, except in CI, where the browser test must run."""
    problem = None
    if not Path(CHROMIUM).exists():
        problem = f"needs Chromium at {CHROMIUM} (Debian package `chromium`)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "needs the playwright Python package (pip install -e '.[test]')"
    if problem and os.environ.get("CI") == "true":
        pytest.fail(problem)
    if problem:
        pytest.skip(problem)


@contextmanager
def chromium(profile: Path) -> Iterator[BrowserContext]:
    """A browser with a fresh profile, with the screen hook installed before any script of the page runs."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=FLAGS,
            viewport={"width": 1280, "height": 800},
        )
        try:
            context.add_init_script(SCREEN_HOOK)
            yield context
        finally:
            context.close()


def screen_text(page: Page) -> str:
    return str(page.evaluate("window.screenText()"))


def wait_for_screen(page: Page, *texts: str, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    shown = ""
    while time.monotonic() < deadline:
        shown = screen_text(page)
        if all(text in shown for text in texts):
            return shown
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {texts}; the page's terminal shows:\n{shown}")


def save_screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    print(f"screenshot: {path}")
    return path
