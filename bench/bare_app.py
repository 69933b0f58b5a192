"""The framework ceiling: a bare Quart + Hypercorn app answering /v1/messages from a dict.

`python -m bench.bare_app PORT`. cco's cache hits are compared against it in the same run.
"""

from __future__ import annotations

import asyncio
import sys

import orjson
from hypercorn.asyncio import serve
from hypercorn.config import Config
from quart import Quart, Response, request

from tests.fakes.anthropic_upstream import message

ANSWERS = {"claude-sonnet-4-6": orjson.dumps(message())}


def create() -> Quart:
    app = Quart("bare")

    @app.post("/v1/messages")
    async def messages() -> Response:
        payload = orjson.loads(await request.get_data())
        return Response(ANSWERS[payload["model"]], content_type="application/json")

    @app.get("/v1/models")
    async def models() -> dict[str, list[str]]:
        return {"data": list(ANSWERS)}

    return app


def main() -> None:
    config = Config()
    config.bind = [f"127.0.0.1:{int(sys.argv[1])}"]
    config.accesslog = None
    config.errorlog = None
    asyncio.run(serve(create(), config))  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
