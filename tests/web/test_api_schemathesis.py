"""Schemathesis over the API's own OpenAPI document, in-process, on both engines.

Each operation gets a bounded number of generated requests, valid and invalid by the document; every response
must be documented (status, content type, body schema, headers) and none may be a 5xx.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from litestar import Litestar
from litestar.testing import TestClient
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from shenbao import store
from shenbao.app import create_app
from shenbao.settings import Settings
from tests.support.keys import TEST_KEYS

EXAMPLES = 30
"""Per operation and mode: 6 operations x 2 modes x 30 = 360 requests, about 10 s on one engine on 2 cores."""
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
]


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[TestClient[Litestar]]:
    configured = Settings(database_url=database_url, data_dir=tmp_path, secret_key="test", keys=TEST_KEYS)
    asyncio.run(store.migrate_url(database_url))
    with TestClient(create_app(configured), base_url="http://127.0.0.1") as client:
        yield client


def _send(client: TestClient[Litestar], case: Any) -> Any:
    """The generated request, sent through Litestar's client (so the app's lifespan is the fixture's)."""
    prepared = case.as_transport_kwargs(base_url="http://127.0.0.1")
    body = prepared.pop("data", None)
    json = prepared.pop("json", None)
    if not prepared.get("cookies"):
        prepared.pop("cookies", None)  # none are documented; httpx deprecates per-request cookies
    for unused in ("timeout", "verify", "allow_redirects", "cert", "proxies", "stream", "auth"):
        prepared.pop(unused, None)
    if json is not None:
        return client.request(**prepared, json=json)
    if isinstance(body, dict):
        return client.request(**prepared, data=body)
    return client.request(**prepared, content=body)


def test_every_response_matches_the_openapi_document(api: TestClient[Litestar]) -> None:
    document = api.get("/api/schema/openapi.json").json()
    schema = schemathesis.openapi.from_dict(document)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 6
    strategy = st.one_of(
        [
            operation.as_strategy(generation_mode=mode)
            for operation in operations
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        ]
    )

    @settings(
        max_examples=EXAMPLES * len(operations) * 2,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def check(case: Any) -> None:
        response = _send(api, case)
        case.validate_response(response, checks=CHECKS)

    check()
