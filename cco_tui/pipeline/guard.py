"""Who may talk to cco.

A web page can make the browser send requests to 127.0.0.1, and DNS rebinding can make them look
same-origin; either would spend the user's key. So: on a loopback bind, the Host must name this machine, and
any request carrying an Origin must come from an origin the user allowed in settings.json.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass

from cco_tui.config.network import host_without_port, is_loopback_address

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


@dataclass(frozen=True, slots=True)
class AccessPolicy:
    check_host: bool  # only meaningful when we are bound to loopback
    allowed_hosts: frozenset[str]
    allowed_origins: frozenset[str]

    def host_problem(self, host: str | None, client: str) -> str | None:
        """On a loopback bind every request is checked; on a wider bind (--allow-remote) those from this machine
        still are, since a browser here is exactly what a rebinding page would use."""
        if host is None or not (self.check_host or is_loopback_address(client)):
            return None
        name = host_without_port(host.lower())
        if name in self.allowed_hosts or name.endswith(".localhost") or is_loopback_address(name):
            return None
        return f"Host {host!r} is not allowed: cco only answers requests addressed to this machine"

    def request_problem(self, host: str | None, origin: str | None, client: str) -> str | None:
        """Why this request must be refused (403), or None."""
        return self.host_problem(host, client) or self.origin_problem(origin)

    def origin_problem(self, origin: str | None) -> str | None:
        if origin is None or origin in self.allowed_origins:
            return None
        return f"cross-origin request from {origin!r} refused (add it to allowed_origins in settings.json)"


def make_policy(bind_host: str, allowed_hosts: tuple[str, ...], allowed_origins: tuple[str, ...]) -> AccessPolicy:
    # This machine's own name is safe to accept: a rebinding attack needs a name the attacker controls.
    own_names = {socket.gethostname().lower()}  # no getfqdn(): a DNS lookup must not delay start-up
    return AccessPolicy(
        check_host=is_loopback_address(bind_host),
        allowed_hosts=frozenset(host.lower() for host in allowed_hosts) | own_names,
        allowed_origins=frozenset(allowed_origins),
    )
