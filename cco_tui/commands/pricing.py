"""`cco pricing check` and `cco reprice`: unpriced models in the database, and pricing their rows now. May print.

Current prices are the ones a server would use: the shipped table, the pricing_source map saved next to the
database (fetched once if there is no saved copy), and the user's model-pricing.json over both.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path

from peewee import DatabaseProxy

from cco_tui.config.errors import ConfigError
from cco_tui.config.settings import PRICING_FILE, Config, load_config
from cco_tui.costs.pricing import PricingTable
from cco_tui.costs.source import LivePricing, cached_source_path
from cco_tui.store.connect import StoreUnavailable, open_database
from cco_tui.store.reprice import UnpricedModel, reprice, unpriced_models
from cco_tui.store.target import DbTarget, DbUrlError, beside_database, db_target, default_db_target
from cco_tui.store.timespec import HELP as TIME_HELP
from cco_tui.store.timespec import parse_time

EXIT_CONFIG = 2
PLACEHOLDER = {"input": "USD per million input tokens", "output": "USD per million output tokens"}


def add_pricing_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    pricing = subparsers.add_parser("pricing", help="prices: which recorded models have none")
    actions = pricing.add_subparsers(dest="pricing_command", required=True)
    check = actions.add_parser("check", help="list the models the database holds unpriced requests for")
    _add_db_and_config(check)
    check.set_defaults(func=run_check)

    again = subparsers.add_parser("reprice", help="price the requests recorded while their model had no price")
    again.add_argument("--since", type=_time_arg, help=f"only requests since: {TIME_HELP} (default: all)")
    _add_db_and_config(again)
    again.set_defaults(func=run_reprice)


def _add_db_and_config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", help="database file or URL (default: $CCO_DB or the user data directory)")
    parser.add_argument("--config", metavar="DIR", help="config directory (default: $CCO_CONFIG_DIR or the user's)")


def _time_arg(text: str) -> float:
    try:
        return parse_time(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def run_check(args: argparse.Namespace) -> int:
    prepared = _prepare(args)
    if isinstance(prepared, int):
        return prepared
    config, pricing, db_path, db = prepared
    with db.connection_context():
        found = unpriced_models(db)
    if not found:
        print(f"every recorded request in {db_path} is priced")
        return 0
    still = [m for m in found if pricing.lookup(m.model) is None]
    print(f"unpriced requests in {db_path}:")
    for model in found:
        print("  " + _line(model, priced_now=pricing.lookup(model.model) is not None))
    if len(still) < len(found):
        print("run `cco reprice` to price the requests of the models that have a price now")
    if still:
        which = "them" if len(still) == len(found) else "the others"
        print(f"\nto price {which}, add to {_user_pricing_file(config)} (and fill in the prices):")
        print(json.dumps({"pricing": {m.model: PLACEHOLDER for m in still}}, indent=2))
    return 1 if still else 0


def run_reprice(args: argparse.Namespace) -> int:
    prepared = _prepare(args)
    if isinstance(prepared, int):
        return prepared
    _, pricing, db_path, db = prepared
    with db.connection_context():
        done = reprice(db, pricing, args.since)
    print(f"repriced {done.rows} request{'s' * (done.rows != 1)} in {db_path}: ${done.cost_usd:.4f}")
    for model, rows in sorted(done.still_unpriced.items()):
        print(f"  still unpriced: {model} ({rows} request{'s' * (rows != 1)}): see `cco pricing check`")
    return 0


def _prepare(args: argparse.Namespace) -> tuple[Config, PricingTable, DbTarget, DatabaseProxy] | int:
    """(config, current prices, database target, the open database) or an exit code after printing why not."""
    try:
        config = load_config(args.config)
    except ConfigError as error:
        print(f"cco: {error}", file=sys.stderr)
        return EXIT_CONFIG
    try:
        db_path = db_target(args.db) if args.db else default_db_target()
    except DbUrlError as error:
        print(f"cco: --db: {error}", file=sys.stderr)
        return EXIT_CONFIG
    if db_path.path is not None and not db_path.path.exists():
        print(f"cco: no analytics database at {db_path} (no requests recorded yet?)", file=sys.stderr)
        return 1
    try:
        db = open_database(db_path)
    except StoreUnavailable as error:
        print(f"cco: {error}", file=sys.stderr)
        return 1
    return config, current_pricing(config, db_path), db_path, db


def current_pricing(config: Config, db_path: DbTarget) -> PricingTable:
    source = config.settings.pricing_source
    if not source:
        return config.pricing
    live = LivePricing(
        config.shipped_pricing or config.pricing,
        config.user_pricing,
        source,
        cached_source_path(beside_database(db_path)),
    )
    if not live.load_cached():
        live.refresh()  # a command may wait for the network; a failure is logged and the shipped prices stay
    return live.table


def _line(model: UnpricedModel, priced_now: bool) -> str:
    span = f"{_day(model.first_ts)} … {_day(model.last_ts)}"
    verdict = "priced now" if priced_now else "no price"
    return f"{model.model}  {model.requests} request{'s' * (model.requests != 1)}  {span}  {verdict}"


def _day(ts: float) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M")


def _user_pricing_file(config: Config) -> Path:
    from cco_tui.config.paths import user_config_dir

    return (config.config_dir or user_config_dir()) / PRICING_FILE
