"""`cco routes preset ccr`: a model-routing.json that reproduces claude-code-router's routing slots.

claude-code-router picks a model per request by slot: `longContext` above a token threshold, `background` for
Claude Code's side calls, `webSearch` when the request offers a web search tool, `think` when thinking is on,
else `default`. The preset writes those slots as conditional routes, in that order, in front of the shipped
routes (which serve the targets). CLI module: may print.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from cco_tui.config.errors import ConfigError
from cco_tui.config.paths import shipped_config_dir
from cco_tui.config.routes import parse_routes

PRESETS = ("ccr",)
DEFAULTS = {
    "background": "claude-haiku-4-5",
    "think": "claude-opus-4-8",
    "long_context": "claude-sonnet-4-6",
    "web_search": "claude-sonnet-4-6",
}
LONG_CONTEXT_THRESHOLD = 60_000  # claude-code-router's default longContextThreshold


def add_routes_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    routes = subparsers.add_parser("routes", help="model-routing.json helpers")
    actions = routes.add_subparsers(dest="action", required=True)
    preset = actions.add_parser("preset", help="print (or write) a ready-made model-routing.json")
    preset.add_argument("name", choices=PRESETS, help="ccr: claude-code-router's slots")
    preset.add_argument("--out", type=Path, help="write to this file instead of standard output (refuses to overwrite)")
    preset.add_argument("--background", default=DEFAULTS["background"], help="model for side calls (titles, …)")
    preset.add_argument("--think", default=DEFAULTS["think"], help="model for requests with thinking on")
    preset.add_argument("--long-context", default=DEFAULTS["long_context"], help="model above the threshold")
    preset.add_argument(
        "--long-context-threshold", type=int, default=LONG_CONTEXT_THRESHOLD, help="estimated input tokens"
    )
    preset.add_argument("--web-search", default=DEFAULTS["web_search"], help="model for requests with web search")
    preset.set_defaults(func=run_preset)


def ccr_routes(args: argparse.Namespace) -> list[dict[str, Any]]:
    any_claude = "claude-*"
    return [
        {
            "name": "longContext",
            "pattern": any_claude,
            "when": {"min_input_tokens": args.long_context_threshold},
            "model": args.long_context,
        },
        {
            "name": "background",
            "pattern": any_claude,
            "when": {"request_class": "background"},
            "model": args.background,
        },
        {"name": "webSearch", "pattern": any_claude, "when": {"tool": "web_search*"}, "model": args.web_search},
        {"name": "think", "pattern": any_claude, "when": {"thinking": True}, "model": args.think},
    ]


def preset_document(args: argparse.Namespace) -> dict[str, Any]:
    shipped = json.loads((shipped_config_dir() / "model-routing.json").read_text())
    document = {
        "_comment": "cco routes preset ccr: claude-code-router's slots as conditional routes; the rest is default",
        "routes": [*ccr_routes(args), *shipped["routes"]],
    }
    parse_routes(document, "preset")  # what we print must load
    return document


def run_preset(args: argparse.Namespace) -> int:
    if args.long_context_threshold <= 0:
        print("cco: --long-context-threshold: must be a positive number of tokens", file=sys.stderr)
        return 2
    try:
        text = json.dumps(preset_document(args), indent=2) + "\n"
    except ConfigError as error:
        print(f"cco: {error}", file=sys.stderr)
        return 2
    if args.out is None:
        sys.stdout.write(text)
        return 0
    if args.out.exists():
        print(f"cco: {args.out} exists; not overwriting it (remove it or choose another --out)", file=sys.stderr)
        return 1
    args.out.write_text(text)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0
