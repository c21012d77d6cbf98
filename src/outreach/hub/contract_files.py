"""The contract as files: the summary's JSON Schema (in resources/) and the OpenAPI document
(in docs/). Both are generated from the code; tests fail when a committed copy differs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from outreach.contract.summary import SCHEMA_ID, Submission

SCHEMA_NAME = "summary-v1.schema.json"
OPENAPI_NAME = "hub-openapi.json"


def summary_schema() -> dict[str, Any]:
    schema = Submission.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Outreach summary submission, version 1",
        **schema,
    }


def openapi_document() -> dict[str, Any]:
    from outreach.hub.api import create_app
    from outreach.hub.db import connect
    from outreach.hub.settings import HubSettings

    settings = HubSettings(database_url="sqlite://")
    return create_app(settings, connect(settings.database_url)).openapi()


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def write_contract(schema_folder: Path, openapi_folder: Path) -> list[Path]:
    written = []
    for path, document in (
        (schema_folder / SCHEMA_NAME, summary_schema()),
        (openapi_folder / OPENAPI_NAME, openapi_document()),
    ):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dumps(document), "utf-8")
        written.append(path)
    return written
