"""Query results turned into the dashboard's view models (cards, chart series and table rows).

No UI imports here. `query_*`/`load_*` functions block on the database: call them from worker threads only.
Times are epoch seconds; "today" is the local calendar day, like the store's day buckets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from cco_tui.store import queries
from cco_tui.store.queries import Bucket, BurnRate, Filter, Group, ProjectInfo, RecentRequest, Totals
from cco_tui.store.route_stats import RouteGroup, by_route
from cco_tui.tui import formatting as fmt
from cco_tui.tui import plan
from cco_tui.tui.view_models import Card, Chart, CurrentView, MachineView

CostRange = Literal["today", "30d"]
RECENT_LIMIT = 50
TOP_GROUPS = 8
ROUTES_WINDOW_S = 7 * 86400  # routes are read from raw rows: a week keeps that read short


@dataclass(frozen=True, slots=True)
class CurrentQueries:
    """Everything the Current Project tab reads in one refresh."""

    all_time: Totals
    today: Totals
    session: Totals
    buckets: list[Bucket]
    recent: list[RecentRequest]
    burn: BurnRate
    plan: plan.PlanData = field(default_factory=plan.PlanData)


@dataclass(frozen=True, slots=True)
class MachineQueries:
    all_time: Totals
    today: Totals
    by_project: list[Group]
    by_model: list[Group]
    projects: list[ProjectInfo] = field(default_factory=list)
    by_route: list[RouteGroup] = field(default_factory=list)
    plan: plan.PlanData = field(default_factory=plan.PlanData)


# --- time ---------------------------------------------------------------------------------------------


def day_start(now: float) -> float:
    return datetime.fromtimestamp(now).replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


def days_back(now: float, days: int) -> float:
    start = datetime.fromtimestamp(day_start(now))
    return datetime.combine(start.date() - timedelta(days=days - 1), start.time()).timestamp()


def seconds(value: float) -> timedelta:
    return timedelta(seconds=value)


def chart_range(cost_range: CostRange, now: float) -> tuple[Filter, Literal["hour", "day"]]:
    if cost_range == "today":
        return Filter(since=day_start(now), until=now), "hour"
    return Filter(since=days_back(now, 30), until=now), "day"


# --- loading (blocking) -------------------------------------------------------------------------------


def query_current(project: str, now: float, session_start: float, cost_range: CostRange) -> CurrentQueries:
    span, size = chart_range(cost_range, now)
    return CurrentQueries(
        all_time=queries.totals(Filter(project, None, now)),
        today=queries.totals(Filter(project, day_start(now), now)),
        session=queries.totals(Filter(project, min(session_start, now), now)),
        buckets=queries.timeseries(Filter(project, span.since, span.until), size),
        recent=queries.recent(RECENT_LIMIT, project),
        burn=queries.burn_rate(project, now),
        plan=plan.load_plan(project, day_start(now), now),
    )


def query_machine(now: float) -> MachineQueries:
    everything = Filter(None, None, now)
    return MachineQueries(
        all_time=queries.totals(everything),
        today=queries.totals(Filter(None, day_start(now), now)),
        by_project=queries.breakdown(everything, "project"),
        by_model=queries.breakdown(everything, "model"),
        projects=queries.projects(),
        by_route=by_route(Filter(None, now - ROUTES_WINDOW_S, now)),
        plan=plan.PlanData(plan.latest_meters()),
    )


def load_current(project: str, now: float, session_start: float, cost_range: CostRange) -> CurrentView:
    return current_view(project, query_current(project, now, session_start, cost_range), now, cost_range)


def load_machine(now: float) -> MachineView:
    return machine_view(query_machine(now), now)


def load_totals(project: str | None) -> Totals:
    return queries.totals(Filter(project))


def project_names() -> list[str]:
    return [project.name for project in queries.projects()]


# --- Current Project ----------------------------------------------------------------------------------


def current_view(project: str, q: CurrentQueries, now: float, cost_range: CostRange) -> CurrentView:
    hourly = cost_range == "today"
    return CurrentView(
        project=project,
        has_data=q.all_time.requests > 0,
        cards=current_cards(q),
        cost_chart=cost_chart(q.buckets, hourly),
        tokens_chart=tokens_chart(q.buckets, hourly),
        latency_chart=latency_chart(q.buckets, hourly),
        recent=tuple(recent_row(item, now) for item in q.recent),
        plan=tuple(plan.plan_lines(q.plan.meters, now)),
        block=plan.block_text(q.plan.block, now),
        levels=plan.levels(q.plan.meters),
    )


def current_cards(q: CurrentQueries) -> tuple[Card, ...]:
    return (
        cost_card(q.today, q.session, q.all_time, q.plan.subscription),
        tokens_card("Tokens today", q.today),
        calls_card("API calls today", q.today, q.session),
        savings_card("Saved today", q.today, q.all_time),
        latency_card("Latency today", q.today),
        burn_card(q.burn),
    )


def cost_card(today: Totals, session: Totals, all_time: Totals, subscription: plan.Subscription = None) -> Card:
    session_lines = fmt.cost_lines("session", session.cost_usd, session.unpriced_requests)
    details = (*session_lines, *fmt.cost_lines("all time", all_time.cost_usd, all_time.unpriced_requests))
    details += plan.subscription_detail(subscription)
    return Card("Cost today", total_cost(today), details)


def total_cost(t: Totals) -> str:
    return fmt.cost(t.cost_usd, t.unpriced_requests)


def tokens_card(title: str, t: Totals) -> Card:
    tokens_in = fmt.tokens_in(t.input_tokens, t.cache_write_tokens, t.cache_read_tokens)
    return Card(
        title,
        fmt.count(tokens_in + t.output_tokens),
        (
            f"in {fmt.count(tokens_in)} · out {fmt.count(t.output_tokens)}",
            f"  cache write {fmt.count(t.cache_write_tokens)}",
            f"  cache read {fmt.count(t.cache_read_tokens)}",
        ),
        fmt.TOKENS_IN_NOTE,
    )


def calls_card(title: str, t: Totals, session: Totals | None = None) -> Card:
    errors = f"{fmt.count(t.errors)} errors ({fmt.percent(t.error_rate)})"
    hits = f"cache hits {fmt.percent(t.cache_hit_rate)}" if t.cache_lookups else "cache not used"
    note = f"session {session.requests:,}" if session is not None else ""
    return Card(title, f"{t.requests:,}", (errors, hits), note)


def savings_card(title: str, t: Totals, all_time: Totals | None = None) -> Card:
    total, cache, local, prompt, routing = fmt.usd_parts(
        t.saved_usd, t.saved_cache_usd, t.saved_local_usd, t.saved_prompt_cache_usd, t.saved_routing_usd
    )
    details: tuple[str, ...] = (f"cache {cache}", f"local {local}", f"prompt cache {prompt}")
    if t.saved_routing_usd:
        details = (*details, f"routing {routing}")
    note = f"all time {fmt.usd(all_time.saved_usd)}" if all_time is not None else ""
    return Card(title, total, details, note)


def latency_card(title: str, t: Totals) -> Card:
    return Card(
        title,
        f"avg {fmt.millis(t.latency_avg_ms)}",
        (f"p50 {fmt.millis(t.latency_p50_ms)}", f"p95 {fmt.millis(t.latency_p95_ms)}"),
    )


def burn_card(burn: BurnRate) -> Card:
    """The last hour's spend, saying how much use it rests on; the day is projected only from enough of it."""
    value = f"{fmt.usd(burn.usd_per_hour)}/h"
    details = (
        f"{fmt.count(burn.tokens_per_hour)} tokens/h",
        f"{burn.requests_per_hour:,} calls/h",
        f"from {minutes(burn.history_s)} of use",
    )
    if burn.projected_today_usd is None:
        return Card("Burn rate", value, details, f"projection after {minutes(queries.MIN_PROJECTION_HISTORY_S)}")
    return Card("Burn rate", value, details, f"today ≈ {fmt.usd(burn.projected_today_usd)}")


def minutes(history_s: float) -> str:
    return f"{int(min(history_s, 3600) // 60)}m"


def bucket_labels(buckets: Sequence[Bucket], hourly: bool) -> tuple[str, ...]:
    pattern = "%H:00" if hourly else "%m-%d"
    return tuple(datetime.fromtimestamp(b.bucket_start).strftime(pattern) for b in buckets)


def cost_chart(buckets: Sequence[Bucket], hourly: bool) -> Chart:
    title = "Cost per hour, today" if hourly else "Cost per day, last 30 days"
    series = {"cost": [b.cost_usd for b in buckets]}
    note = unpriced_note(sum(b.unpriced_requests for b in buckets), any(b.cost_usd for b in buckets))
    return Chart(title, bucket_labels(buckets, hourly), series, "usd", note=note)


def unpriced_note(unpriced: int, any_cost: bool = True) -> str:
    """Said under a cost chart whose bars leave unpriced requests out; when they are all there is, it says why
    the chart is empty instead of leaving a blank box."""
    if not unpriced:
        return ""
    if not any_cost:
        return f"no cost to draw: all {unpriced:,} requests are unpriced"
    return f"cost leaves out {unpriced:,} unpriced requests"


def tokens_chart(buckets: Sequence[Bucket], hourly: bool) -> Chart:
    series = {
        "input": [float(b.input_tokens) for b in buckets],
        "output": [float(b.output_tokens) for b in buckets],
        "cache write": [float(b.cache_write_tokens) for b in buckets],
        "cache read": [float(b.cache_read_tokens) for b in buckets],
    }
    return Chart("Tokens by kind", bucket_labels(buckets, hourly), series, "count", stacked=True)


def latency_chart(buckets: Sequence[Bucket], hourly: bool) -> Chart:
    latency = {"avg": [b.latency_avg_ms for b in buckets]}
    return Chart("Average latency", bucket_labels(buckets, hourly), latency, "ms")


def recent_row(item: RecentRequest, now: float) -> tuple[str, ...]:
    return (
        fmt.clock_time(item.ts, now),
        fmt.shorten(fmt.model_name(item.model), 28),
        f"{fmt.count(fmt.tokens_in(item.input_tokens, item.cache_write_tokens, item.cache_read_tokens))}/"
        f"{fmt.count(item.output_tokens)}",
        "unpriced" if item.cost_usd is None else fmt.usd(item.cost_usd),
        item.cache_status,
        fmt.millis(item.latency_ms),
        status_text(item.status, item.error_type),
    )


def status_text(status: int, error_type: str | None) -> str:
    if status == 0:
        return "no answer"
    return f"{status} {error_type}" if error_type else str(status)


def empty_message(base_url: str) -> str:
    return (
        f"No requests yet — point Claude Code at {base_url}:\n"
        f"  ANTHROPIC_BASE_URL={base_url} claude\n"
        "Cards, charts and recent activity fill in as requests flow through cco."
    )


# --- Machine-Wide -------------------------------------------------------------------------------------


def machine_view(q: MachineQueries, now: float) -> MachineView:
    return MachineView(
        has_data=q.all_time.requests > 0,
        cards=machine_cards(q, now),
        project_chart=project_chart(q.by_project),
        model_chart=model_cost_chart(q.by_model),
        usage_chart=usage_chart(q.by_model, q.all_time.requests),
        projects=tuple(project_rows(q.projects, now, unpriced_by_key(q.by_project))),
        models=tuple(model_row(group) for group in q.by_model),
        routes=tuple(route_row(group) for group in q.by_route),
        plan=tuple(plan.plan_lines(q.plan.meters, now, limit=8)),
        levels=plan.levels(q.plan.meters),
    )


def route_row(g: RouteGroup) -> tuple[str, ...]:
    """A dearer served model is a negative saving, shown with its sign."""
    saved = fmt.usd(g.saved_routing_usd) if g.saved_routing_usd >= 0 else "-" + fmt.usd(-g.saved_routing_usd)
    return (
        g.route,
        fmt.shorten(g.reason, 28),
        fmt.shorten(g.served_models, 28),
        f"{g.requests:,}",
        fmt.usd(g.cost_usd),
        saved,
    )


def machine_cards(q: MachineQueries, now: float) -> tuple[Card, ...]:
    t, today = q.all_time, q.today
    today_lines = fmt.cost_lines("today", today.cost_usd, today.unpriced_requests)
    cost = Card("Cost, all projects", total_cost(t), today_lines, "all time")
    return (
        cost,
        savings_card("Saved, all time", t),
        calls_card("API calls", t),
        tokens_card("Tokens", t),
        latency_card("Latency", t),
        projects_card(q.projects, now),
    )


def projects_card(projects: Sequence[ProjectInfo], now: float) -> Card:
    active = sum(1 for p in projects if p.last_activity >= day_start(now))
    latest = projects[0].name if projects else "-"
    return Card("Projects", str(len(projects)), (f"{active} active today", f"latest {fmt.shorten(latest, 16)}"))


def top(groups: Sequence[Group], count: int = TOP_GROUPS) -> list[Group]:
    return list(groups[:count])


def project_chart(groups: Sequence[Group]) -> Chart:
    chosen = top(groups)
    return Chart(
        "Cost and savings by project",
        tuple(g.key for g in chosen),
        {"cost": [g.cost_usd for g in chosen], "saved": [g.saved_usd for g in chosen]},
        "usd",
        categorical=True,
        note=unpriced_note(sum(g.unpriced_requests for g in chosen), any(g.cost_usd for g in chosen)),
    )


def model_cost_chart(groups: Sequence[Group]) -> Chart:
    chosen = top(groups)
    labels = tuple(fmt.model_name(g.key) for g in chosen)
    costs = tuple(fmt.cost(g.cost_usd, g.unpriced_requests) for g in chosen)
    return Chart("Cost by model", labels, {"cost": [g.cost_usd for g in chosen]}, "usd", value_labels=costs)


def usage_chart(groups: Sequence[Group], total_requests: int) -> Chart:
    chosen = top(sorted(groups, key=lambda g: (-g.requests, g.key)))
    shares = [100 * g.requests / total_requests if total_requests else 0.0 for g in chosen]
    labels = tuple(fmt.model_name(g.key) for g in chosen)
    return Chart("Share of calls by model", labels, {"calls": shares}, "percent")


def project_rows(
    projects: Sequence[ProjectInfo], now: float, unpriced: Mapping[str, int] | None = None
) -> list[tuple[str, ...]]:
    """`unpriced`: unpriced requests per project name (ProjectInfo has only the priced cost)."""
    counts = unpriced or {}
    return [
        (
            p.name,
            fmt.ago(p.last_activity, now),
            f"{p.requests:,}",
            fmt.cost(p.cost_usd, counts.get(p.name, 0)),
            fmt.usd(p.saved_usd),
        )
        for p in projects
    ]


def unpriced_by_key(groups: Sequence[Group]) -> dict[str, int]:
    return {g.key: g.unpriced_requests for g in groups if g.unpriced_requests}


def load_project_rows(now: float) -> list[tuple[str, ...]]:
    """Blocking: the project table as the Terminal's `projects` shows it."""
    by_project = queries.breakdown(Filter(None, None, now), "project")
    return project_rows(queries.projects(), now, unpriced_by_key(by_project))


def model_row(g: Group) -> tuple[str, ...]:
    return (
        fmt.shorten(fmt.model_name(g.key), 28),
        f"{g.requests:,}",
        fmt.percent(g.error_rate),
        fmt.millis(g.latency_p50_ms),
        fmt.millis(g.latency_p95_ms),
        fmt.cost_per_call(g.cost_per_call, g.cost_usd, g.unpriced_requests),
        fmt.percent(g.cache_hit_rate),
        fmt.cost(g.cost_usd, g.unpriced_requests),
    )
