"""Property-based API testing: schemathesis generates requests from the app's own OpenAPI
description, valid ones and invalid ones, for every operation, and no answer may be a 5xx.

It runs in-process against the ASGI app, on SQLite, signed in as an administrator and as
a supervisor (two roles that reach different code behind the policy gate). Left out:
`POST /api/auth/logout`, which would end the caller's own session so that every later
request tested nothing but the 401. WebSocket routes (live video, ANPR hits) are not in
the OpenAPI description; video files and clips are included (they answer 403 or 404
without a valid playback grant, which is what a generated request can carry).

Each operation is driven by Hypothesis directly (schemathesis' pytest plugin does not
run under this pytest), and every operation is tried before the test fails, so that the
failure lists each operation that answered a 5xx with a request that reproduces it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from belfort.app import Services
from belfort.web.app import create_app
from tests.conftest import Population, bearer

EXAMPLES = {GenerationMode.POSITIVE: 50, GenerationMode.NEGATIVE: 15}
"""Generated requests per operation and role: valid ones reach further, so they get more.
With about 170 operations, that is some four minutes on 2 cores; the dates and numbers that
once overflowed have tests of their own (tests/web/test_bad_input.py, tests/web/test_*_api.py)."""
TIMEOUT_SECONDS = 60
"""How long one generated request may take: a loaded machine has taken over 10 s for one."""
LEFT_OUT = {("POST", "/api/auth/logout")}


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'belfort.db'}"


def failure_of(operation: Any, mode: GenerationMode, caller: dict[str, str]) -> str | None:
    """None if no generated request made the operation answer a 5xx, else what did."""

    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        case.call_and_validate(headers=caller, checks=[not_a_server_error], timeout=TIMEOUT_SECONDS)

    try:
        run()
    except Unsatisfiable:
        return None  # nothing in the operation can be made invalid (a GET without parameters)
    except Exception as exc:  # every operation is tried; the failures are reported together
        notes = "\n".join(getattr(exc, "__notes__", []))
        return f"{operation.method.upper()} {operation.path} ({mode.value}): {exc}\n{notes}"
    return None


@pytest.mark.parametrize("role", ["admin", "supervisor"])
def test_no_operation_answers_a_server_error(
    services: Services, client: TestClient, population: Population, role: str
) -> None:
    caller = bearer(client, role)
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(services), headers=caller)
    operations = [result.ok() for result in schema.get_all_operations()]
    tried = [op for op in operations if (op.method.upper(), op.path) not in LEFT_OUT]
    assert len(tried) > 50, "the OpenAPI description lists every API operation"
    failures = [
        failure
        for operation in tried
        for mode in EXAMPLES
        if (failure := failure_of(operation, mode, caller)) is not None
    ]
    assert not failures, "\n\n".join(failures)
