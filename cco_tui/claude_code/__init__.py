"""Commands made for Claude Code: `cco statusline`, `cco setup claude`, `cco doctor`, `cco sessions`.

Each module imports only what it needs: `cco statusline` runs on every Claude Code turn, so it and
usage_reader.py stay on the standard library (no Peewee, no server, no Textual).
"""
