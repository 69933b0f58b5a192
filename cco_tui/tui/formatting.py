"""Short, fixed-width friendly renderings of money, token counts, durations and ratios.

The one formatter for totals: the dashboard's cards and tables, the Terminal tab and `cco stats` all use it, so
"unpriced" and "tokens in" read the same everywhere. Pure Python (no UI imports): the CLI may import it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the type only: the formatter stays free of database imports (quick for the CLI)
    from cco_tui.store.queries import Totals


def usd(amount: float) -> str:
    """Dollars; under $1 with four decimals so sub-cent amounts still add up: $0.0042, $0.1234, $1.23, $1,234."""
    return _usd(amount, _decimals(amount))


def usd_parts(*amounts: float) -> list[str]:
    """A total and its parts at one shared precision, so the parts shown add up to the total shown."""
    decimals = max((_decimals(amount) for amount in amounts if amount), default=2)
    return [_usd(amount, decimals) for amount in amounts]


def usd_tick(amount: float) -> str:
    """An axis tick: cents are enough there (no sum is read off an axis): $0, $0.0042, $0.17, $12,345."""
    size = abs(amount)
    if size == 0:
        return "$0"
    if size < 0.01:
        return _usd(amount, 4)
    return _usd(amount, 0 if size >= 10_000 else 2)


def cost(amount: float, unpriced: int) -> str:
    """A cost that says which requests it leaves out: $1.23, $1.23 + 4 unpriced, or 4 unpriced.

    Unpriced requests have no cost at all (not $0): a model missing from the price table must not look free.
    """
    if not unpriced:
        return usd(amount)
    if amount == 0:
        return f"{unpriced:,} unpriced"
    return f"{usd(amount)} + {unpriced:,} unpriced"


def cost_lines(label: str, amount: float, unpriced: int) -> tuple[str, ...]:
    """`label $1.23`, with `  + 4 unpriced` on a line of its own: on a card 22 characters wide the one-line
    form was cut to `session $0.3307 + 2 u…`."""
    if not unpriced:
        return (f"{label} {usd(amount)}",)
    if amount == 0:
        return (f"{label} {unpriced:,} unpriced",)
    return (f"{label} {usd(amount)}", f"  + {unpriced:,} unpriced")


def cost_per_call(per_call: float | None, cost_usd: float, unpriced: int) -> str:
    """Average cost of a priced call. A model with unpriced calls whose only priced rows are free (errors,
    cache hits) is unpriced, not `$0.00`."""
    if per_call is None or (unpriced and cost_usd == 0):
        return "unpriced"
    return usd(per_call)


NO_MODEL = "(no model)"


def model_name(name: str) -> str:
    """A request whose body named no model (malformed JSON) is recorded with an empty model: label it."""
    return name if name.strip() else NO_MODEL


def tokens_in(input_tokens: int, cache_write_tokens: int, cache_read_tokens: int) -> int:
    """The one meaning of "tokens in": every prompt token the model read, whether uncached input, written to
    the prompt cache or read from it (Anthropic's `input_tokens` alone leaves the cached ones out)."""
    return input_tokens + cache_write_tokens + cache_read_tokens


TOKENS_IN_NOTE = "in includes cache"


def _decimals(amount: float) -> int:
    size = abs(amount)
    if size >= 10_000:
        return 0
    return 4 if 0 < size < 1 else 2


def _usd(amount: float, decimals: int) -> str:
    return "$0.00" if amount == 0 else f"${amount:,.{decimals}f}"


def count(value: int) -> str:
    """Compact counts: 950, 12.3k, 4.56M, 1.2B."""
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.3g}{suffix}"
    return str(value)


def millis(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 10_000:
        return f"{value / 1000:.0f} s"
    if value >= 1000:
        return f"{value / 1000:.1f} s"
    return f"{value:.0f} ms"


def percent(ratio: float | None) -> str:
    if ratio is None:
        return "-"
    return f"{ratio * 100:.0f}%" if ratio >= 0.1 or ratio == 0 else f"{ratio * 100:.1f}%"


def clock_time(moment: float, now: float) -> str:
    """Local HH:MM:SS when `moment` is on the same day as `now`, otherwise month-day and time."""
    local, today = datetime.fromtimestamp(moment), datetime.fromtimestamp(now)
    if local.date() == today.date():
        return local.strftime("%H:%M:%S")
    return local.strftime("%m-%d %H:%M")


def ago(moment: float | None, now: float) -> str:
    if moment is None:
        return "never"
    return duration(timedelta(seconds=max(now - moment, 0))) + " ago"


def duration(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"
    return f"{seconds // 86400}d {seconds % 86400 // 3600}h"


def size(num_bytes: int) -> str:
    value = float(num_bytes)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def printable(text: str, *, lines: bool = False) -> str:
    """`text` with control characters spelled out (\\x1b, \\n) rather than sent to the terminal, where an
    escape sequence in a model name would act instead of being read. `lines` keeps line breaks (log lines)."""
    return "".join(
        char if char.isprintable() or (lines and char == "\n") else char.encode("unicode_escape").decode()
        for char in text
    )


def totals_lines(t: Totals) -> list[tuple[str, str]]:
    """Totals as (name, value) lines: the Terminal's `stats` and `cco stats` print these."""
    saved, cache, local, prompt, routing = usd_parts(
        t.saved_usd, t.saved_cache_usd, t.saved_local_usd, t.saved_prompt_cache_usd, t.saved_routing_usd
    )
    return [
        ("requests", f"{t.requests:,} ({t.errors:,} errors, {percent(t.error_rate)})"),
        ("cost", cost(t.cost_usd, t.unpriced_requests)),
        ("saved", f"{saved} (cache {cache}, local {local}, prompt cache {prompt}, routing {routing})"),
        (
            "tokens",
            f"in {tokens_in(t.input_tokens, t.cache_write_tokens, t.cache_read_tokens):,} (cache write "
            f"{t.cache_write_tokens:,}, cache read {t.cache_read_tokens:,}) · out {t.output_tokens:,}",
        ),
        ("cache hit rate", percent(t.cache_hit_rate) if t.cache_lookups else "cache not used"),
        (
            "latency",
            f"avg {millis(t.latency_avg_ms)} · p50 {millis(t.latency_p50_ms)} · p95 {millis(t.latency_p95_ms)}",
        ),
    ]
