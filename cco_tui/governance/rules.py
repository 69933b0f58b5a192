"""Which configured rules (and which of an access token's own quotas) apply to a request, and which counter
each one uses. The answer depends only on (model, project, key): it is memoised."""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from cco_tui.config.limits import BudgetRule, LimitRule

NO_KEY = "-"  # the counter of requests that came without an access token, under a per-key rule
_MEMO_LIMIT = 4096


@dataclass(frozen=True, slots=True)
class Subject:
    model: str
    project: str
    key_id: str | None = None


@dataclass(frozen=True, slots=True)
class KeyQuota:
    """An access token's own limits (`cco keys create --rpm/--tpm/--budget`)."""

    key_id: str
    rpm: int | None = None
    tpm: int | None = None
    budget_usd: float | None = None
    budget_period: str | None = None


@dataclass(frozen=True, slots=True)
class SpendFilter:
    """Which recorded requests count toward a budget: exact project/key when counted per project/key, else
    the rule's globs."""

    project: str | None = None
    key_id: str | None = None
    project_glob: str = "*"
    key_glob: str = "*"
    model_glob: str = "*"


@dataclass(frozen=True, slots=True)
class RateCheck:
    rule: str
    counter: str
    rpm: int | None
    tpm: int | None
    concurrent: int | None


@dataclass(frozen=True, slots=True)
class BudgetCheck:
    rule: str
    counter: str
    usd: float
    period: str
    spend: SpendFilter


Checks = tuple[tuple[RateCheck, ...], tuple[BudgetCheck, ...]]


def matches(rule: LimitRule | BudgetRule, subject: Subject) -> bool:
    if rule.key != "*" and (subject.key_id is None or not fnmatchcase(subject.key_id, rule.key)):
        return False
    return fnmatchcase(subject.model, rule.model) and fnmatchcase(subject.project, rule.project)


def scope_of(per: str, subject: Subject) -> str:
    if per == "project":
        return subject.project
    if per == "key":
        return subject.key_id or NO_KEY
    return "*"


def spend_filter(rule: BudgetRule, subject: Subject) -> SpendFilter:
    return SpendFilter(
        project=subject.project if rule.per == "project" else None,
        key_id=(subject.key_id or NO_KEY) if rule.per == "key" else None,
        project_glob=rule.project,
        key_glob=rule.key,
        model_glob=rule.model,
    )


class RuleBook:
    def __init__(self, limits: tuple[LimitRule, ...], budgets: tuple[BudgetRule, ...]) -> None:
        self.limits = limits
        self.budgets = budgets
        self._memo: dict[tuple[Subject, KeyQuota | None], Checks] = {}

    @property
    def empty(self) -> bool:
        return not self.limits and not self.budgets

    def checks_for(self, subject: Subject, quota: KeyQuota | None) -> Checks:
        memo_key = (subject, quota)
        found = self._memo.get(memo_key)
        if found is None:
            if len(self._memo) >= _MEMO_LIMIT:
                self._memo.clear()
            found = self._memo[memo_key] = (self._rates(subject, quota), self._budgets(subject, quota))
        return found

    def _rates(self, subject: Subject, quota: KeyQuota | None) -> tuple[RateCheck, ...]:
        checks = [
            RateCheck(
                rule.name, f"limit:{rule.name}:{scope_of(rule.per, subject)}", rule.rpm, rule.tpm, rule.concurrent
            )
            for rule in self.limits
            if matches(rule, subject)
        ]
        if quota is not None and (quota.rpm or quota.tpm):
            checks.append(RateCheck(f"key {quota.key_id}", f"key:{quota.key_id}", quota.rpm, quota.tpm, None))
        return tuple(checks)

    def _budgets(self, subject: Subject, quota: KeyQuota | None) -> tuple[BudgetCheck, ...]:
        checks = [
            BudgetCheck(
                rule.name,
                f"budget:{rule.name}:{scope_of(rule.per, subject)}",
                rule.usd,
                rule.period,
                spend_filter(rule, subject),
            )
            for rule in self.budgets
            if matches(rule, subject)
        ]
        if quota is not None and quota.budget_usd is not None:
            checks.append(
                BudgetCheck(
                    f"key {quota.key_id}",
                    f"keybudget:{quota.key_id}",
                    quota.budget_usd,
                    quota.budget_period or "month",
                    SpendFilter(key_id=quota.key_id),
                )
            )
        return tuple(checks)
