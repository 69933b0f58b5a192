"""Governance engine: rate windows and budget reservations (counters.py), which rules apply to a request
(rules.py), and the admission of one request against all of them (governor.py). No HTTP, no database: the
pipeline's govern step calls it, and the spend already recorded is read through a function it is given."""
