"""Running the hub under uvicorn, one process or several (each builds its app from the
environment, so nothing is shared but the database)."""

from __future__ import annotations

import argparse
import os
import socket

import uvicorn
from fastapi import FastAPI
from uvicorn.supervisors import Multiprocess

from outreach.hub.api import create_app
from outreach.hub.db import connect
from outreach.hub.settings import DATABASE_ENV, HubSettings

_SETTINGS_ENV = "OUTREACH_HUB_SETTINGS"


def build() -> FastAPI:
    """The app for one worker process (uvicorn's factory)."""
    settings = HubSettings.from_json(os.environ[_SETTINGS_ENV])
    return create_app(settings, connect(settings.database_url))


def serve(settings: HubSettings, args: argparse.Namespace) -> int:
    if args.workers > 1 and settings.database_url.startswith("sqlite"):
        raise SystemExit("outreach-hub: several processes need PostgreSQL (--database-url)")
    if bool(args.certfile) != bool(args.keyfile):
        raise SystemExit("outreach-hub: TLS needs both --certfile and --keyfile")
    os.environ[_SETTINGS_ENV] = settings.to_json()
    os.environ[DATABASE_ENV] = settings.database_url
    config = uvicorn.Config(
        "outreach.hub.server:build",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        ssl_certfile=args.certfile,
        ssl_keyfile=args.keyfile,
        proxy_headers=args.proxy_headers,
        server_header=False,
        access_log=False,  # paths carry summary ids; the hub logs no content and no ids
        log_level="info",
    )
    if args.workers == 1:
        uvicorn.Server(config).run()
    else:
        Multiprocess(config, sockets=[listening_socket(config)]).run()
    return 0


def listening_socket(config: uvicorn.Config) -> socket.socket:
    """The shared listening socket for several processes, made as TCP explicitly: asyncio
    turns on TCP_NODELAY only for sockets that say so, and uvicorn's own (protocol 0) makes
    every keep-alive request wait 40 ms for a delayed ACK (uvicorn issue 3149)."""
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((config.host, config.port))
    sock.set_inheritable(True)
    return sock
