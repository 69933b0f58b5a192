"""`cco keys create|list|revoke`: cco access tokens, in the analytics database. CLI: may print.

The token is printed once, as the last line of stdout (or in the JSON); only its hash is stored.
"""

from __future__ import annotations

import argparse
import sys
import time

import orjson

from cco_tui.config.limits import PERIODS
from cco_tui.store.access_keys import AccessKey, create_key, list_keys, revoke_key
from cco_tui.store.connect import open_database
from cco_tui.store.target import default_db_target


def budget_arg(text: str) -> tuple[float, str]:
    """`25/day`, `200/month`, `10.5/week`."""
    amount, _, period = text.partition("/")
    try:
        usd = float(amount.strip().lstrip("$"))
    except ValueError:
        usd = -1.0
    if usd < 0 or period.strip() not in PERIODS:
        raise argparse.ArgumentTypeError(f"{text!r} is not USD/PERIOD with PERIOD one of {', '.join(PERIODS)}")
    return usd, period.strip()


def positive(text: str) -> int:
    if not text.isdigit() or int(text) <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive integer")
    return int(text)


def add_keys_command(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = subparsers.add_parser("keys", help="cco access tokens: create, list, revoke")
    actions = keys.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="make a token (printed once)")
    create.add_argument("--project", required=True, help="the project every request with this token counts to")
    create.add_argument("--name", help="a label")
    create.add_argument("--rpm", type=positive, help="requests per minute allowed to this token")
    create.add_argument("--tpm", type=positive, help="tokens (input + output) per minute allowed to this token")
    create.add_argument("--budget", type=budget_arg, metavar="USD/PERIOD", help="spend cap, e.g. 25/day")
    create.add_argument("--admin", action="store_true", help="may also use /api/* and /metrics")
    listing = actions.add_parser("list", help="the tokens (never the tokens themselves)")
    revoke = actions.add_parser("revoke", help="revoke a token by its id")
    revoke.add_argument("id")
    for parser in (create, listing, revoke):
        parser.add_argument("--db", help="database file (default: $CCO_DB or the user data directory)")
        parser.add_argument("--json", action="store_true", help="print JSON")
    create.set_defaults(func=run_create)
    listing.set_defaults(func=run_list)
    revoke.set_defaults(func=run_revoke)


def _open(args: argparse.Namespace) -> None:
    open_database(args.db or default_db_target())


def run_create(args: argparse.Namespace) -> int:
    _open(args)
    key, token = create_key(args.project, args.name, rpm=args.rpm, tpm=args.tpm, budget=args.budget, admin=args.admin)
    if args.json:
        print(orjson.dumps({**key.public(), "token": token}).decode())
        return 0
    print(f"created {key.id} for project {key.project}{' (admin)' if key.admin else ''}")
    print("the token is shown once; cco keeps only its hash:")
    print(token)
    return 0


def run_list(args: argparse.Namespace) -> int:
    _open(args)
    keys = list_keys()
    if args.json:
        print(orjson.dumps([key.public() for key in keys]).decode())
        return 0
    for key in keys:
        print(describe(key))
    if not keys:
        print("no access tokens (create one with `cco keys create --project P`)")
    return 0


def describe(key: AccessKey) -> str:
    limits = [f"rpm {key.rpm}" if key.rpm else "", f"tpm {key.tpm}" if key.tpm else ""]
    if key.budget_usd is not None:
        limits.append(f"budget ${key.budget_usd:g}/{key.budget_period}")
    state = "revoked " + time.strftime("%Y-%m-%d %H:%M", time.localtime(key.revoked_ts)) if key.revoked_ts else "active"
    extras = " ".join(part for part in (*limits, "admin" if key.admin else "") if part)
    return f"{key.id}  {key.project}  {key.name or '-'}  {state}  {extras}".rstrip()


def run_revoke(args: argparse.Namespace) -> int:
    _open(args)
    if not revoke_key(args.id):
        print(f"cco: no active access token {args.id!r}", file=sys.stderr)
        return 1
    print(orjson.dumps({"revoked": args.id}).decode() if args.json else f"revoked {args.id}")
    return 0
