"""The procedures are tested against the real app, with the API tests' fixtures."""

from __future__ import annotations

from tests.api.conftest import *  # noqa: F403
from tests.api.conftest import pytest_configure as pytest_configure
