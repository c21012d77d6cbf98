"""The floor for bench_hub.py: the hub's own stack (uvicorn, FastAPI, the same way of
running several processes) with an endpoint that reads the body and does nothing, so the
ratio is the cost of what the hub does with a summary, not of the framework."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import uvicorn
from fastapi import FastAPI, Request, Response
from uvicorn.supervisors import Multiprocess

from outreach.hub.server import listening_socket

app = FastAPI()


@app.post("/v1/summaries", status_code=201)
async def accept(request: Request) -> Response:
    """Reads the body and does nothing with it."""
    await request.body()
    return Response(b'{"received":true}', status_code=201, media_type="application/json")


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


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
