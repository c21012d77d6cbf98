"""An unexpected failure answers 500 and logs its type only: a database error's message
quotes the statement's values, which are a summary's content."""

from __future__ import annotations

import asyncio
import json
import logging
import os

import httpx
import pytest
from sqlalchemy import text

from outreach.hub.admin import Admin
from outreach.hub.api import create_app
from outreach.hub.db import connect, migrate
from outreach.hub.settings import HubSettings
from tests.support.hubproc import summary


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_failure_inside_a_submission_is_500_and_its_message_is_not_logged(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    engine = connect(database_url)
    migrate(engine)
    admin = Admin(engine)
    admin.add_team("north")
    admin.add_user("worker-1", "north", "worker")
    credential = admin.enrol(admin.enrolment_code("worker-1")[0], "laptop").credential
    with engine.begin() as conn:  # a hub whose schema lost a table: not a handled case
        conn.execute(text("DROP TABLE summary_tags"))
    marker = "MARKER-" + os.urandom(4).hex()
    body = {"device_seq": 1, "summary": summary(area=marker, concerns=["older_boyfriend"])}
    app = create_app(HubSettings(database_url=database_url), engine)

    async def submit() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        # With its lifespan, as uvicorn runs it: shutting down closes psycopg's pool, whose
        # tasks would otherwise be left for asyncio.run to cancel.
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://hub") as client,
        ):
            return await client.post(
                "/v1/summaries",
                content=json.dumps(body),
                headers={
                    "Authorization": f"Bearer {credential}",
                    "Idempotency-Key": "one",
                    "Content-Type": "application/json",
                },
            )

    with caplog.at_level(logging.DEBUG):
        answer = asyncio.run(submit())
    engine.dispose()
    assert answer.status_code == 500
    assert answer.json() == {
        "code": "internal",
        "detail": "the hub failed on this request; it has been logged",
    }
    # The common submission's one statement fails first (psycopg's own error, by class).
    assert "request failed: UndefinedTable" in caplog.text
    assert marker not in caplog.text
    assert not any(record.exc_info for record in caplog.records)
