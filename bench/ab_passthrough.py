"""Same-run A/B of pass-through latency: this tree's cco against another commit's, on one fake upstream.

Run: `.venv/bin/python -m bench.ab_passthrough --baseline REV [--count N] [--rounds R]`. REV is checked out into a
temporary git worktree and run from there (PYTHONPATH), with the same Python environment as this tree. Requests
alternate between the two in rounds so that the noise of a shared machine lands on both. Caching is off.
Prints p50/p99 per case for each side and the difference (this tree minus baseline).
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson

from bench.bodies import claude_code_body, small_body
from bench.harness import REPO, Result, fake_upstream, run_sequential, write_config
from tests.fakes.process import headless_cco

CASES = [
    ("small JSON", small_body()),
    ("75KB JSON", claude_code_body()),
    ("small stream", small_body(stream=True)),
    ("75KB stream", claude_code_body(stream=True)),
]


@contextmanager
def worktree(revision: str) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="cco-ab-")) / "tree"
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(path), revision], cwd=REPO, check=True, capture_output=True
    )
    try:
        yield path
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(path)], cwd=REPO, check=False, capture_output=True)


@contextmanager
def cco_from(tree: Path, upstream: str) -> Iterator[str]:
    config = write_config(upstream, {"cache": {"enabled": False}})
    env = {"PYTHONPATH": str(tree)}
    with headless_cco(config, config / "bench.db", "--log-level", "warning", env=env) as cco:
        yield cco.url


def merged(label: str, parts: list[Result]) -> Result:
    return Result(label, [ms for part in parts for ms in part.latencies_ms], sum(part.wall_s for part in parts))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline", required=True, help="git revision to compare against, e.g. HEAD~1")
    parser.add_argument("--count", type=int, default=500, help="requests per case per side per round")
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    with (
        worktree(args.baseline) as old_tree,
        fake_upstream() as upstream,
        cco_from(old_tree, upstream) as old_url,
        cco_from(REPO, upstream) as new_url,
    ):
        for name, payload in CASES:
            body = orjson.dumps(payload)
            old_parts, new_parts = [], []
            for _ in range(args.rounds):
                old_parts.append(run_sequential("baseline", old_url, body, args.count))
                new_parts.append(run_sequential("this tree", new_url, body, args.count))
            old = merged(f"{name} baseline {args.baseline}", old_parts)
            new = merged(f"{name} this tree", new_parts)
            print(old.row())
            print(new.row())
            print(f"{'':<10}difference: p50 {new.p50 - old.p50:+6.3f} ms   p99 {new.p99 - old.p99:+6.3f} ms")


if __name__ == "__main__":
    main()
