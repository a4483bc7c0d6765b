"""POST /api/v1/imports/{table}: the CLI's import over HTTP, with size and type checks."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

CSV = "serial,product,ship_date\nSN1,PX9,2026-05-01\nSN2,PX9,someday\n,PX9,\n"


def test_upload_imports_and_keeps_the_rejects(client: TestClient, tokens: dict[str, str]) -> None:
    headers = {"Authorization": f"Bearer {tokens['engineer']}"}
    response = client.post(
        "/api/v1/imports/units",
        headers=headers,
        files={"file": ("单位.csv", CSV.encode(), "text/csv")},
    )
    assert response.status_code == 201, response.text
    run = response.json()
    assert (run["table"], run["file"], run["read"], run["inserted"], run["rejected"]) == (
        "units",
        "单位.csv",
        3,
        1,
        2,
    )
    rejects = client.get(run["rejects_url"], headers=headers)
    assert rejects.status_code == 200
    assert rejects.headers["content-type"].startswith("text/csv")
    disposition = rejects.headers["content-disposition"]  # the uploaded name, in UTF-8
    assert disposition == "attachment; filename*=UTF-8''%E5%8D%95%E4%BD%8D.rejects.csv"
    rows = list(csv.DictReader(io.StringIO(rejects.content.decode("utf-8-sig"))))
    assert [(r["serial"], r["_row"], r["_error"]) for r in rows] == [
        ("SN2", "3", 'ship_date: "someday" is not a date'),
        ("", "4", "serial: is required but empty"),
    ]
    unit = client.get("/api/v1/units/SN1", headers=headers).json()
    assert unit["ship_date"] == "2026-05-01"
    again = client.post(
        "/api/v1/imports/units",
        headers=headers,
        files={"file": ("u.csv", CSV.encode(), "text/csv")},
    ).json()
    assert (again["inserted"], again["unchanged"]) == (0, 1)


def test_upload_checks(client: TestClient, tokens: dict[str, str], db_url: str) -> None:
    engineer = {"Authorization": f"Bearer {tokens['engineer']}"}
    wrong_type = client.post(
        "/api/v1/imports/units",
        headers=engineer,
        files={"file": ("units.pdf", b"%PDF", "application/pdf")},
    )
    assert wrong_type.status_code == 415
    no_table = client.post(
        "/api/v1/imports/widgets",
        headers=engineer,
        files={"file": ("u.csv", CSV.encode(), "text/csv")},
    )
    assert no_table.status_code == 404
    no_header = client.post(
        "/api/v1/imports/units",
        headers=engineer,
        files={"file": ("u.csv", b"product\nPX9\n", "text/csv")},
    )
    assert no_header.status_code == 422 and "serial" in no_header.json()["detail"]
    viewer = {"Authorization": f"Bearer {tokens['viewer']}"}
    refused = client.post(
        "/api/v1/imports/units", headers=viewer, files={"file": ("u.csv", CSV.encode(), "text/csv")}
    )
    assert refused.status_code == 403
    client.app.state.settings.upload_limit_bytes = 20  # type: ignore[attr-defined]
    too_big = client.post(
        "/api/v1/imports/units",
        headers=engineer,
        files={"file": ("u.csv", CSV.encode(), "text/csv")},
    )
    assert too_big.status_code == 413 and "limit of 20 bytes" in too_big.json()["detail"]


def test_uploads_are_refused_before_their_body_is_read(
    client: TestClient, tokens: dict[str, str]
) -> None:
    """The gate answers from the headers; a body that never arrives is never waited for."""
    body = b"never read"
    anonymous = client.post(
        "/api/v1/imports/units",
        content=body,
        headers={"Content-Type": "multipart/form-data; boundary=x", "Content-Length": "300000000"},
    )
    assert anonymous.status_code == 413  # size first: nothing at all is read
    anonymous = client.post(
        "/api/v1/imports/units",
        content=body,
        headers={"Content-Type": "multipart/form-data; boundary=x"},
    )
    assert anonymous.status_code == 401
    viewer = client.post(
        "/api/v1/imports/units",
        content=body,
        headers={
            "Content-Type": "multipart/form-data; boundary=x",
            "Authorization": f"Bearer {tokens['viewer']}",
        },
    )
    assert viewer.status_code == 403
    page = client.post(
        "/imports", content=body, headers={"Content-Type": "multipart/form-data; boundary=x"}
    )
    assert page.status_code == 401


@pytest.mark.parametrize(
    ("path", "role", "limit"),
    [
        ("/plans/7/files", "viewer", "evidence"),
        ("/api/v1/plans/7/files", "viewer", "evidence"),
        ("/kb/4/files", "owner", "evidence"),
        ("/api/v1/kb/4/files", "owner", "evidence"),
        ("/investigations/3/five-why", "owner", 5 * 1024 * 1024),
        ("/investigations/3/five-why/12", "owner", 5 * 1024 * 1024),
        ("/investigations/3/fmea/import", "owner", 5 * 1024 * 1024),
    ],
)
def test_evidence_uploads_are_gated_before_their_body_is_read(
    client: TestClient, tokens: dict[str, str], path: str, role: str, limit: int | str
) -> None:
    """A file upload with an id in its path is judged by its headers like an import: too
    large (413), anonymous (401) or a role below the form's (403) before a byte is read."""
    size = (
        client.app.state.settings.evidence_limit_bytes + 64 * 1024  # type: ignore[attr-defined]
        if limit == "evidence"
        else limit
    )
    headers = {"Content-Type": "multipart/form-data; boundary=x"}
    too_big = client.post(path, content=b"x", headers=headers | {"Content-Length": str(size + 1)})
    assert too_big.status_code == 413
    anonymous = client.post(path, content=b"x", headers=headers | {"Content-Length": "1"})
    assert anonymous.status_code == 401
    below = {"Authorization": f"Bearer {tokens[role]}", "Content-Length": "1"}
    assert client.post(path, content=b"x", headers=headers | below).status_code == 403
