"""Schemathesis against the served /openapi.json: no generated request gets a 5xx.

Valid and invalid bodies, parameters and headers (schemathesis' positive and negative
generation) for every operation, sent to a real hub process with a real worker's
credential (for submitting) or lead's (for the rest). Schemathesis' pytest plugin does
not run under this pytest, so its strategies are driven by Hypothesis directly."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable

from tests.hub.conftest import BACKENDS
from tests.support.hubproc import HubProcess

EXAMPLES = int(os.environ.get("OUTREACH_SCHEMATHESIS_EXAMPLES", "40"))
MODES = [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]


def _checker(
    hub: HubProcess, credential: str, operation: Any, mode: schemathesis.GenerationMode
) -> Callable[[], None]:
    @given(case=operation.as_strategy(generation_mode=mode), with_auth=st.booleans())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def check(case: schemathesis.Case, with_auth: bool) -> None:
        headers = dict(case.headers or {})
        if with_auth:
            headers["Authorization"] = credential
        response = case.call(base_url=hub.url, headers=headers, timeout=30)
        assert response.status_code < 500, (case.method, case.path, response.text)

    return check


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("mode", MODES, ids=lambda mode: mode.value)
def test_no_generated_request_gets_a_server_error(
    request: pytest.FixtureRequest, backend: str, mode: schemathesis.GenerationMode
) -> None:
    hub: HubProcess = request.getfixturevalue(f"{backend}_hub")
    team = hub.team(workers=1)
    api = schemathesis.openapi.from_url(hub.url + "/openapi.json")
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 8
    tried_negative_on: set[str] = set()

    for operation in operations:
        submitting = operation.method.upper() == "POST" and operation.path == "/v1/summaries"
        device = team.worker if submitting else team.lead

        check = _checker(hub, device.headers["Authorization"], operation, mode)
        try:
            check()
        except Unsatisfiable:
            # Nothing to make invalid (no parameters, no body): only possible when negative.
            assert mode is schemathesis.GenerationMode.NEGATIVE
            tried_negative_on.discard(operation.label)
        else:
            tried_negative_on.add(operation.label)
    if mode is schemathesis.GenerationMode.NEGATIVE:
        assert {"POST /v1/summaries", "GET /v1/summaries"} <= tried_negative_on
