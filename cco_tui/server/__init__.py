"""The HTTP side of cco: the Quart app and its handlers. Nothing here imports Textual."""
