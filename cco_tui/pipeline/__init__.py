"""The steps one /v1/* request takes, in run order; exchange.py is the one orchestrator that calls them.

1. guard.py       who may talk to cco (Host, Origin, loopback policy)
2. intake.py      read the body (bounded), parse it, refuse bad input early (400, 413)
3. route.py       the models to try, in order: the requested one, then its fallbacks
4. cache.py       may the cache answer (hit), or an identical request in flight (coalesce), and under which key
5. forward.py     send to the provider of each model in the chain until one answers (providers/ speak HTTP)
6. relay.py       pass the answer on while watching it: usage, the cache copy, coalesced followers
7. record.py      the analytics row of the finished exchange, handed to the store's writer thread

attribution.py (which project a request belongs to) serves intake and record; shared.py says what the steps
use of the server's state.
"""
