"""The JSON API as the tests call it: one TestClient, a bearer token per role.

Each domain's API tests subclass :class:`ApiClient` to add what they build (a plan, an
investigation, an article); sending, checking the status and reading the answer are
written once here, so a change to how the API authenticates or answers is made once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine


@dataclass
class ApiClient:
    """The test client with a token per role (``tokens`` fixture); ``call`` checks the
    status code, ``problem`` a refusal's problem document."""

    client: TestClient
    tokens: dict[str, str]
    engine: Engine

    def send(
        self, method: str, url: str, body: Any = None, role: str | None = "engineer"
    ) -> httpx.Response:
        """The raw response; ``role=None`` calls anonymously."""
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}
        return self.client.request(method, url, json=body, headers=headers)

    def call(
        self, method: str, url: str, body: Any = None, *, role: str = "engineer", status: int = 200
    ) -> Any:
        """The answer, once its status is ``status``: JSON parsed, anything else as text
        (``""`` for a 204)."""
        response = self.send(method, url, body, role)
        assert response.status_code == status, (method, url, body, response.text)
        if response.headers.get("content-type", "").endswith("json"):
            return response.json()
        return response.text

    def problem(
        self, method: str, url: str, body: Any = None, *, role: str = "engineer", status: int
    ) -> dict[str, Any]:
        """A refusal: the problem document, checked to be one."""
        response = self.send(method, url, body, role)
        assert response.status_code == status, (method, url, body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        found: dict[str, Any] = response.json()
        assert found["status"] == status
        return found
