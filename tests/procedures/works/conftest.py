"""Fixtures of the works notice's tests."""

from __future__ import annotations

from typing import Any

import pytest

from tests.procedures.works.signing import FakeSignatures


@pytest.fixture(autouse=True)
def _signatures(request: pytest.FixtureRequest) -> None:
    if "ctx" not in request.fixturenames:
        return
    ctx: Any = request.getfixturevalue("ctx")
    platform = ctx.procedure("works").platform
    if getattr(platform, "signatures", None) is None:
        object.__setattr__(platform, "signatures", FakeSignatures(platform))
