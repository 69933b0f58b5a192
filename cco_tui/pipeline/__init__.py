"""The steps one /v1/* request takes, in run order; exchange.py is the one orchestrator that calls them.

1. guard.py       who may talk to cco (Host, Origin, loopback policy)
2. access.py      cco access tokens: which key (and project) a request has; 401 for bad ones
3. intake.py      read the body (bounded), parse it, refuse bad input early (400, 413)
4. route.py       the models to try, in order: the requested one, then its fallbacks
5. cache.py       may the cache answer (hit), or an identical request in flight (coalesce), and under which key
6. govern.py      rate limits and budgets (what goes upstream only): admit, or 429 / 402; settle at the end
7. forward.py     send to the provider of each model in the chain until one answers (providers/ speak HTTP)
8. relay.py       pass the answer on while watching it: usage, the cache copy, coalesced followers
9. record.py      the analytics row of the finished exchange, handed to the store's writer thread

attribution.py (which project a request belongs to) serves intake and record; shared.py says what the steps
use of the server's state.
"""
