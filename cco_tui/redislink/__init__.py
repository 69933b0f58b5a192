"""The connection to a shared Redis (`redis_url`), used by the cache's second tier and the governance counters.

Imported only when a URL is configured: without one cco never loads redis-py.
"""
