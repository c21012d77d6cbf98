"""The floor for bench_hub.py: uvicorn with an endpoint that reads the body and does
nothing, answering 201 with a small JSON body, as the hub answers a submission."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

from outreach.hub.server import listening_socket


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    body = b'{"received":true}'
    await send(
        {
            "type": "http.response.start",
            "status": 201,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).parent))
    config = uvicorn.Config(
        "bare_endpoint:app",
        host="127.0.0.1",
        port=args.port,
        workers=args.workers,
        access_log=False,
        log_level="warning",
    )
    # The hub's own way of serving several processes, so both have TCP_NODELAY.
    sockets = [listening_socket(config)]
    Multiprocess(config, sockets=sockets).run()
