"""Property-based run of the whole API from its OpenAPI schema: no input gives a 500."""

from __future__ import annotations

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

#: bounded, and derandomized so that CI runs the same examples every time
EXAMPLES_PER_OPERATION = 150


def test_no_input_makes_the_api_fail(client: TestClient, tokens: dict[str, str]) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    headers = {"Authorization": f"Bearer {tokens['admin']}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def call(case: schemathesis.Case) -> None:
            response = case.call(headers=headers)
            assert response.status_code < 500, (case.method, case.path, response.text[:300])

        call()
