"""``outreach-hub``: run the hub and administer it.

    outreach-hub serve [--host H] [--port P] [--certfile F --keyfile F]
    outreach-hub migrate
    outreach-hub team add NAME
    outreach-hub user add NAME --team TEAM --role worker|lead|admin
    outreach-hub enrolment-code USER [--hours 72]
    outreach-hub devices [--team TEAM]
    outreach-hub revoke DEVICE_ID
    outreach-hub purge [--days 366]        idempotency records past their retention
    outreach-hub write-contract            the JSON Schema and the OpenAPI document

The database is SQLite in the data directory (--data-dir or OUTREACH_HUB_DATA_DIR, else
the platform's data folder) unless --database-url or OUTREACH_HUB_DATABASE_URL names one,
such as postgresql://hub@db.example/hub.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from outreach.hub.errors import Refused
from outreach.hub.settings import HubSettings

if TYPE_CHECKING:  # imported lazily: `write-contract` needs no database
    from sqlalchemy import Engine


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="outreach-hub", description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="a SQLAlchemy URL (PostgreSQL or SQLite)")
    parser.add_argument("--data-dir", type=Path, help="where the SQLite database lives")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the hub")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8443)
    serve.add_argument("--certfile", type=Path, help="TLS certificate (PEM)")
    serve.add_argument("--keyfile", type=Path, help="TLS private key (PEM)")
    serve.add_argument("--workers", type=int, default=1, help="processes (PostgreSQL only)")
    serve.add_argument("--requests-per-minute", type=int, help="per device (default 600)")
    serve.add_argument(
        "--proxy-headers",
        action="store_true",
        help="trust X-Forwarded-* from the reverse proxy in front (FORWARDED_ALLOW_IPS)",
    )

    commands.add_parser("migrate", help="bring the database to the newest schema")

    team = commands.add_parser("team", help="teams").add_subparsers(dest="action", required=True)
    team.add_parser("add").add_argument("name")

    user = commands.add_parser("user", help="users").add_subparsers(dest="action", required=True)
    add_user = user.add_parser("add")
    add_user.add_argument("name")
    add_user.add_argument("--team", required=True)
    add_user.add_argument("--role", required=True, choices=("worker", "lead", "admin"))

    code = commands.add_parser("enrolment-code", help="a one-time code to enrol a device")
    code.add_argument("user")
    code.add_argument("--hours", type=int, default=72)

    devices = commands.add_parser("devices", help="list devices")
    devices.add_argument("--team")
    devices.add_argument("--json", action="store_true")

    commands.add_parser("revoke", help="revoke a device: it is told to wipe").add_argument(
        "device_id"
    )
    commands.add_parser(
        "purge", help="drop idempotency records older than their retention"
    ).add_argument("--days", type=int, default=366, help="keep this many days (default 366)")
    contract = commands.add_parser("write-contract", help="write the contract's files")
    contract.add_argument("--schema-dir", type=Path, default=Path("resources/contract"))
    contract.add_argument("--openapi-dir", type=Path, default=Path("docs"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.command == "write-contract":
        from outreach.hub.contract_files import write_contract

        for path in write_contract(args.schema_dir, args.openapi_dir):
            print(path)
        return 0

    from outreach.hub.db import connect, migrate

    settings = HubSettings.from_env(args.database_url, args.data_dir)
    engine = connect(settings.database_url)
    migrate(engine)
    try:
        return _run(args, settings, engine)
    except Refused as refused:
        print(f"outreach-hub: {refused.detail}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()


def _run(args: argparse.Namespace, settings: HubSettings, engine: Engine) -> int:
    from outreach.hub.admin import Admin
    from outreach.hub.maintenance import purge

    admin = Admin(engine)
    if args.command == "serve":
        if args.requests_per_minute:
            settings = replace(settings, requests_per_minute=args.requests_per_minute)
        from outreach.hub.server import serve

        return serve(settings, args)
    if args.command == "migrate":
        print("the database is at the newest schema")
    elif args.command == "team":
        admin.add_team(args.name)
        print(f"team {args.name!r} added")
    elif args.command == "user":
        admin.add_user(args.name, args.team, args.role)
        print(f"user {args.name!r} added to {args.team!r} as {args.role}")
    elif args.command == "enrolment-code":
        code, expires = admin.enrolment_code(args.user, args.hours)
        print(code)
        print(f"works once, until {expires:%Y-%m-%d %H:%M} UTC", file=sys.stderr)
    elif args.command == "devices":
        rows = admin.devices(args.team)
        if args.json:
            print(json.dumps([row.__dict__ for row in rows], indent=2))
        for row in [] if args.json else rows:
            state = f"revoked {row.revoked_at[:16]}" if row.revoked_at else "active"
            seen = (row.last_seen_at or "never")[:16]
            print(f"{row.id}  {row.team}  {row.user}  {row.label or '-'}  seen {seen}  {state}")
    elif args.command == "revoke":
        admin.revoke(args.device_id)
        print(f"device {args.device_id} revoked: its next request is told to wipe")
    elif args.command == "purge":
        kept = replace(settings, idempotency_days=max(1, args.days))
        print(f"{purge(engine, kept)} idempotency records removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
