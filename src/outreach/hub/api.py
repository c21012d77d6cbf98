"""The hub's HTTP API: thin handlers over ``Admin``, ``Authenticator``, ``Submissions`` and
``Reads``, which hold the rules and need no server to run.

Every refusal is JSON ``{"code", "detail"}`` (``contract.summary.Problem``): ``code`` is
stable for programs, ``detail`` says in English what to change. Bodies are read by
``strictjson`` rather than by FastAPI, so NaN, duplicate keys, NUL characters and lone
surrogates are refused before validation; the OpenAPI document still describes them.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from pydantic import AfterValidator, BaseModel
from pydantic.json_schema import models_json_schema
from sqlalchemy import Engine, text
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from outreach import __version__
from outreach.contract.summary import (
    SCHEMA_VERSION,
    DeviceStatus,
    Enrolled,
    Enrolment,
    Problem,
    Receipt,
    Review,
    ReviewIn,
    Submission,
    SummaryHistory,
    SummaryPage,
    TeamFeed,
    TeamLink,
    in_utc_range,
)
from outreach.contract.wipe import WipeInstruction
from outreach.hub import strictjson
from outreach.hub.admin import Admin
from outreach.hub.auth import Authenticator, Caller, Revoked
from outreach.hub.contain import Contained
from outreach.hub.errors import Refused
from outreach.hub.limits import BodyLimit
from outreach.hub.reads import Filters, Reads
from outreach.hub.settings import HubSettings
from outreach.hub.submit import Submissions, canonical, validated

log = logging.getLogger(__name__)

NoNul = r"^[^\x00]*$"  # PostgreSQL cannot hold NUL; refuse it in every query string
SummaryId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="the summary's id")]
# What a link of /v1/links carries only when asked for possible matches: a lead's app of
# an earlier version refuses fields it does not know, and hubs are upgraded first.
_POSSIBLE_FIELDS = {"match", "other_key", "other_label"}

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": words}
    for status, words in (
        (401, "no credential, or one the hub does not know"),
        (403, "the caller's role may not do this, or the device is revoked (with a wipe)"),
        (413, "the body is larger than the hub accepts"),
        (415, "the body is not application/json"),
        (422, "the body or a parameter is not valid; detail says which and why"),
        (429, "too many requests from this device; see Retry-After"),
        (503, "the hub's database is unavailable; see Retry-After"),
    )
}


# The submission's headers as FastAPI describes a declared ``Header``: the route reads them
# itself, since resolving declared parameters was a tenth of the hub's CPU a submission.
_SUBMIT_HEADERS = [
    {
        "in": "header",
        "name": name,
        "required": False,
        "schema": {"anyOf": [{"type": "string"}, {"type": "null"}], "title": title},
    }
    for name, title in (("authorization", "Authorization"), ("Idempotency-Key", "Idempotency-Key"))
]


def _body_schema(model: type[BaseModel]) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}
            },
        }
    }


async def _json(request: Request) -> Any:
    return strictjson.request_json(request.headers.get("content-type", ""), await request.body())


def _caller(request: Request, authorization: Annotated[str | None, Header()] = None) -> Caller:
    authenticator: Authenticator = request.app.state.authenticator
    return authenticator.caller(authorization)


Who = Annotated[Caller, Depends(_caller)]


def create_app(settings: HubSettings, engine: Engine) -> FastAPI:
    admin = Admin(engine)
    authenticator = Authenticator(engine, per_minute=settings.requests_per_minute)
    submissions = Submissions(engine, settings, authenticator)
    reads = Reads(engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if submissions.one_trip is not None:
            await submissions.one_trip.close()

    app = FastAPI(
        lifespan=lifespan,
        title="Outreach hub",
        version=__version__,
        summary="Receives structured summaries from Outreach devices; team leads review them.",
        separate_input_output_schemas=False,
        responses=_ERRORS,
        # /openapi.json is the contract; no interactive pages that load scripts from a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.authenticator = authenticator

    @app.get("/health", tags=["service"])
    def health() -> dict[str, Any]:
        """Whether this process is up and reaches its database (for load balancers), and
        the summary schema versions it takes."""
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__, "schema_versions": [SCHEMA_VERSION]}

    @app.post(
        "/v1/enrol",
        status_code=201,
        tags=["devices"],
        openapi_extra=_body_schema(Enrolment),
    )
    async def enrol(request: Request) -> Enrolled:
        """Exchange a one-time enrolment code for this device's credential."""
        enrolment = validated(Enrolment, canonical(await _json(request)))
        return await run_in_threadpool(admin.enrol, enrolment.code, enrolment.device_label)

    @app.get("/v1/device", tags=["devices"])
    def device(who: Who) -> DeviceStatus:
        """Who this device belongs to, and running numbers the hub has not seen."""
        return reads.device(who)

    @app.post(
        "/v1/summaries",
        status_code=201,
        tags=["summaries"],
        response_model=Receipt,
        responses={409: {"model": Problem, "description": "the same key is still being processed"}},
        openapi_extra={**_body_schema(Submission), "parameters": _SUBMIT_HEADERS},
    )
    async def submit(request: Request) -> Response:
        """Submit one summary. The same Idempotency-Key and body answer the first receipt."""
        # The headers are read here rather than declared as parameters (see _SUBMIT_HEADERS).
        headers = request.headers
        authorization, idempotency_key = (
            headers.get("authorization"),
            headers.get("idempotency-key"),
        )
        content_type, body = headers.get("content-type", ""), await request.body()
        answer = await submissions.receive_first(authorization, idempotency_key, content_type, body)
        if answer is None:
            answer = await run_in_threadpool(
                submissions.receive, authorization, idempotency_key, content_type, body, first=False
            )
        return Response(answer.text, status_code=answer.status, media_type="application/json")

    @app.get("/v1/summaries", tags=["summaries"])
    def list_summaries(
        who: Who,
        reviewed: bool | None = None,
        worker: Annotated[str | None, Query(max_length=80, pattern=NoNul)] = None,
        young_person: Annotated[str | None, Query(max_length=64, pattern=NoNul)] = None,
        since: Annotated[datetime | None, AfterValidator(in_utc_range)] = None,
        until: Annotated[datetime | None, AfterValidator(in_utc_range)] = None,
        concern: Annotated[str | None, Query(max_length=64, pattern=NoNul)] = None,
        cursor: Annotated[str | None, Query(max_length=200, pattern=NoNul)] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> SummaryPage:
        """Current versions, the most worrying first: a worker's own, a lead's team's."""
        filters = Filters(reviewed, worker, young_person, since, until, concern)
        return reads.page(who, filters, cursor, limit)

    @app.get("/v1/summaries/{summary_id}", tags=["summaries"])
    def summary_history(who: Who, summary_id: SummaryId) -> SummaryHistory:
        """Every version of one summary, newest first, and its reviews."""
        return reads.history(who, summary_id)

    @app.post(
        "/v1/summaries/{summary_id}/reviews",
        status_code=201,
        tags=["reviews"],
        response_model=Review,
        responses={409: {"model": Problem, "description": "the same key is still being processed"}},
        openapi_extra=_body_schema(ReviewIn),
    )
    async def review(
        request: Request,
        who: Who,
        summary_id: SummaryId,
        idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
    ) -> Response:
        """A team lead's review: approved, needs more (with questions) or escalated. With an
        Idempotency-Key, the same key and body answer the review first recorded."""
        answer = await run_in_threadpool(
            reads.add_review, who, summary_id, await _json(request), idempotency_key
        )
        return Response(answer.text, status_code=answer.status, media_type="application/json")

    @app.get("/v1/reviews", tags=["reviews"])
    def reviews_after(
        who: Who,
        after: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> list[Review]:
        """Reviews recorded after the id ``after``, oldest first (a worker's own)."""
        return reads.reviews_after(who, after, limit)

    @app.get("/v1/team/feed", tags=["summaries"])
    def team_feed(
        who: Who,
        after: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
        limit: Annotated[int, Query(ge=1, le=500)] = 200,
    ) -> TeamFeed:
        """Every version of every summary of a lead's team with a seq above ``after``,
        ascending by seq; page on with ``next_after``."""
        return reads.feed(who, after, limit)

    @app.get("/v1/links", tags=["links"], response_model=list[TeamLink])
    def team_links(
        who: Who,
        possible: Annotated[
            bool,
            Query(
                description="also list possible matches, each link with `match`, "
                "`other_key` and `other_label`; without it, the same links only, in the "
                "shape apps before possible matches read"
            ),
        ] = False,
    ) -> Response:
        """What the team has seen with two or more young people, or two or more workers:
        every same link first, then (with ``possible=true``) the possible ones."""
        links = reads.team_links(who, possible=possible)
        exclude = None if possible else _POSSIBLE_FIELDS
        return JSONResponse([link.model_dump(mode="json", exclude=exclude) for link in links])

    _handlers(app)
    _describe(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(Contained)  # added last, so outermost: see contain.py
    return app


def _problem(status: int, code: str, detail: str, **extra: Any) -> JSONResponse:
    return JSONResponse(
        jsonable_encoder({"code": code, "detail": detail, **extra}), status_code=status
    )


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(Refused)
    async def refused(_request: Request, error: Refused) -> JSONResponse:
        extra = {"wipe": error.instruction} if isinstance(error, Revoked) else {}
        response = _problem(error.status, error.code, error.detail, **extra)
        response.headers.update(error.headers)
        return response

    @app.exception_handler(RequestValidationError)
    async def bad_request(_request: Request, error: RequestValidationError) -> JSONResponse:
        parts = []
        for item in error.errors()[:5]:
            where = ".".join(str(p) for p in item.get("loc", ())) or "request"
            parts.append(f"{where}: {item.get('msg', 'not valid')}")
        return _problem(422, "invalid_request", "; ".join(parts))

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, error: HTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed"}
        response = _problem(
            error.status_code, codes.get(error.status_code, "refused"), str(error.detail)
        )
        response.headers.update(error.headers or {})
        return response

    @app.exception_handler(DataError)
    async def out_of_range(_request: Request, _error: DataError) -> JSONResponse:
        return _problem(422, "invalid_request", "a value is out of the range the hub can store")

    @app.exception_handler(IntegrityError)
    async def raced(_request: Request, _error: IntegrityError) -> JSONResponse:
        response = _problem(409, "conflict", "another request changed this at the same time: retry")
        response.headers["Retry-After"] = "1"
        return response

    @app.exception_handler(OperationalError)
    async def database_down(_request: Request, error: OperationalError) -> JSONResponse:
        log.warning("database unavailable: %s", type(error.orig).__name__)
        response = _problem(503, "unavailable", "the hub's database is unavailable: try again")
        response.headers["Retry-After"] = "5"
        return response


def _describe(app: FastAPI) -> None:
    """OpenAPI with the bodies the hub parses itself, and the wipe instruction."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            summary=app.summary,
            routes=app.routes,
            separate_input_output_schemas=False,
        )
        _, defs = models_json_schema(
            [(m, "validation") for m in (Submission, Enrolment, ReviewIn, WipeInstruction)],
            ref_template="#/components/schemas/{model}",
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        # pydantic's own output, so the summary here is exactly the schema file's.
        components.update(defs.get("$defs", {}))
        components["Problem"]["properties"]["wipe"] = {
            "$ref": "#/components/schemas/WipeInstruction",
            "description": "only on 403 device_revoked: the signed instruction to wipe",
        }
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
