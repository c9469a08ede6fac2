"""``finestreta streets import FILE``: a report line, exit 1 and nothing written on a bad file."""

from __future__ import annotations

from pathlib import Path

import pytest

from finestreta.cli import main
from finestreta.db import Database
from finestreta.streets.sql_register import SqlStreetRegister
from tests.conftest import copy_of
from tests.streets.conftest import sample, write_rows


@pytest.fixture
def url(streets_sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = copy_of(streets_sqlite_template, tmp_path)
    monkeypatch.setenv("FINESTRETA_DATABASE_URL", url)
    return url


def test_import_prints_its_report(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["streets", "import", str(write_rows(tmp_path / "s.csv", sample()))])
    assert "5 street(s) added" in capsys.readouterr().out
    db = Database(url)
    assert SqlStreetRegister(db.session).search("mallorca")
    db.dispose()


def test_a_bad_file_exits_1_with_its_lines(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = sample()
    rows[0]["number"] = "x"
    with pytest.raises(SystemExit) as info:
        main(["streets", "import", str(write_rows(tmp_path / "s.csv", rows))])
    assert info.value.code == 1
    assert "line 2, number: bad_number" in capsys.readouterr().out
    db = Database(url)
    assert SqlStreetRegister(db.session).search("mallorca") == []
    db.dispose()
