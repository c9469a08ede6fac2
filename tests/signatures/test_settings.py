"""The signature key: none by default, a short one stops the server without being echoed."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from finestreta.config import Settings


def test_there_is_no_default_key_and_a_short_one_is_refused_unrepeated() -> None:
    assert Settings(_env_file=None).signature_key.get_secret_value() == ""
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None, signature_key="short-secret-31-characters-long")
    assert "at least 32 characters" in str(caught.value)
    assert "short-secret" not in str(caught.value)
    long_enough = "x" * 32
    settings = Settings(_env_file=None, signature_key=long_enough)
    assert settings.signature_key.get_secret_value() == long_enough
    assert long_enough not in repr(settings)
