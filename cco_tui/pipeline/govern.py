"""The govern step: rate limits and budgets, between the cache (hits and coalesced followers are free) and
forward. An admitted request holds a Ticket until its answer is complete; then the estimates it was admitted
on (input tokens, worst-case cost) are replaced by the real usage and cost.
"""

from __future__ import annotations

from cco_tui.costs.usage import usage_from_anthropic
from cco_tui.governance.governor import Governor, Refused, Ticket
from cco_tui.governance.rules import KeyQuota, Subject
from cco_tui.pipeline.record import attribute
from cco_tui.store.access_keys import AccessKey
from cco_tui.wire.errors import ProxyError
from cco_tui.wire.types import Incoming

GOVERNED_PATH = "/v1/messages"  # count_tokens and the rest are free upstream
# Four bytes of request JSON per token: an over-estimate (JSON syntax, ids and markers are bytes the model
# never reads), which suits admission: tpm settles to the real count, and a budget must not be under-reserved.
# Reading the size costs nothing; walking an 80 KB body to count would cost more than the whole step.
BYTES_PER_TOKEN = 4
DEFAULT_MAX_TOKENS = 4096


class Refusal(ProxyError):
    """A request a limit or budget refused: the rule's name goes into its row."""

    def __init__(self, refused: Refused) -> None:
        super().__init__(refused.status, refused.message, refused.error_type, refused.headers)
        self.rule = refused.rule


def quota_of(key: AccessKey | None) -> KeyQuota | None:
    if key is None or (key.rpm is None and key.tpm is None and key.budget_usd is None):
        return None
    return KeyQuota(key.id, key.rpm, key.tpm, key.budget_usd, key.budget_period)


def max_tokens_of(incoming: Incoming) -> int:
    value = incoming.payload.get("max_tokens") if incoming.payload else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else DEFAULT_MAX_TOKENS


async def admit(governor: Governor, incoming: Incoming, model: str, key: AccessKey | None) -> Ticket | None:
    quota = quota_of(key)
    if incoming.path != GOVERNED_PATH or (governor.book.empty and quota is None):
        return None
    subject = Subject(model, attribute(incoming)[0], incoming.key_id)
    tokens = len(incoming.body) // BYTES_PER_TOKEN + 1
    try:
        return await governor.admit(subject, quota, tokens, max_tokens_of(incoming))
    except Refused as refused:
        raise Refusal(refused) from None


def settle(ticket: Ticket, model: str, usage_json: dict[str, object]) -> None:
    usage = usage_from_anthropic(usage_json)
    ticket.close(usage.total_input + usage.output, ticket.governor.cost(model, usage))
