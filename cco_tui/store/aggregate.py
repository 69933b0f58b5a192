"""Aggregates over a filtered time range, summed across the stored levels that cover it.

Callers hold a connection (queries.py opens one per public call).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from peewee import Expression, Node, Select, fn

from cco_tui.store.models import LatencyHistogram, RequestRow, Rollup
from cco_tui.store.ranges import Segment, cover
from cco_tui.store.rollup import (
    HOUR,
    LATENCY_LEVELS,
    MEASURES,
    RAW,
    SUM_LEVELS,
    Level,
    Measures,
    add_measures,
    empty_measures,
    raw_measures,
    raw_period,
    rollup_measures,
)

GroupBy = Literal["model", "project", "provider", "hour"]
Histogram = dict[int, int]
HOURLY_LEVELS: Sequence[Level] = (HOUR, RAW)


@dataclass(frozen=True, slots=True)
class Filter:
    project: str | None = None
    since: float | None = None  # epoch seconds, inclusive
    until: float | None = None  # epoch seconds, exclusive


def sums(f: Filter, group: GroupBy | None = None, levels: Sequence[Level] = SUM_LEVELS) -> dict[Any, Measures]:
    """Measures per group key (key None without grouping); groups with no requests are absent."""
    result: dict[Any, Measures] = {}
    for segment in cover(f.since, f.until, levels):
        for row in _sums_query(segment, f.project, group).tuples():
            key, values = (row[0], row[1:]) if group else (None, row)
            if values[0]:  # an empty segment still yields one row of NULLs/0 without GROUP BY
                measures = dict(zip(MEASURES, (float(value or 0) for value in values), strict=True))
                add_measures(result.setdefault(key, empty_measures()), measures)
    return result


def histograms(f: Filter, group: Literal["model", "project", "provider"] | None = None) -> dict[Any, Histogram]:
    """Latency bucket → count per group key (key None without grouping)."""
    result: dict[Any, Histogram] = {}
    for segment in cover(f.since, f.until, LATENCY_LEVELS):
        query = _histogram_query(segment, f.project, group)
        for row in query.tuples():
            key, bucket, count = (row[0], row[1], row[2]) if group else (None, row[0], row[1])
            histogram = result.setdefault(key, {})
            histogram[bucket] = histogram.get(bucket, 0) + int(count)
    return result


def _sums_query(segment: Segment, project: str | None, group: GroupBy | None) -> Select:
    source = segment.level.sums or RequestRow
    measures = rollup_measures(segment.level.sums) if segment.level.sums else raw_measures()
    keys = [_group_column(source, group)] if group else []
    query = source.select(*keys, *measures)
    conditions = _time_conditions(source, segment)
    if project is not None:
        conditions.append(source.project == project)
    query = query.where(*conditions) if conditions else query
    return query.group_by(*keys) if keys else query


def _histogram_query(segment: Segment, project: str | None, group: str | None) -> Select:
    latency = segment.level.latency
    if latency is None:
        return _raw_histogram_query(segment, project, group)
    scope, dim, key = _histogram_slice(project, group)
    conditions = [latency.scope == scope, latency.dim == dim, *_time_conditions(latency, segment)]
    if key is not None:
        conditions.append(latency.key == key)
    keys = [latency.key] if group else []
    return latency.select(*keys, latency.bucket, fn.SUM(latency.n)).where(*conditions).group_by(*keys, latency.bucket)


def _raw_histogram_query(segment: Segment, project: str | None, group: str | None) -> Select:
    r = RequestRow
    conditions = [r.latency_bucket.is_null(False), *_time_conditions(r, segment)]
    if project is not None:
        conditions.append(r.project == project)
    keys = [getattr(r, group)] if group else []
    return r.select(*keys, r.latency_bucket, fn.COUNT(r.id)).where(*conditions).group_by(*keys, r.latency_bucket)


def _histogram_slice(project: str | None, group: str | None) -> tuple[str, str, str | None]:
    """(scope, dim, key filter) of the histogram rows answering this question (rollup.histogram_slices)."""
    if group is None:
        return ("", "", "") if project is None else ("", "project", project)
    if group == "project" or project is None:
        return "", group, project if group == "project" else None
    return project, group, None


def _group_column(source: type[RequestRow | Rollup], group: GroupBy) -> Node:
    if group != "hour":
        return getattr(source, group)  # type: ignore[no-any-return]
    return raw_period(HOUR.seconds) if issubclass(source, RequestRow) else source.period


def _time_conditions(source: type[RequestRow | Rollup | LatencyHistogram], segment: Segment) -> list[Expression]:
    time = source.ts if issubclass(source, RequestRow) else source.period
    conditions: list[Expression] = []
    if segment.lo is not None:
        conditions.append(time >= segment.lo)
    if segment.hi is not None:
        conditions.append(time < segment.hi)
    return conditions
