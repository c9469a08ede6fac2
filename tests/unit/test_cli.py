"""The command line: users and booths are created, bad input gets one line and exit status 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from finestreta.accounts.models import Kiosk, OfficeHours, StaffUser
from finestreta.accounts.secrets import verify_secret
from finestreta.cli import main
from finestreta.db import Database


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("FINESTRETA_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    main(["db", "upgrade"])
    return url


def run_failing(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


def test_user_add_stores_an_argon2_hash(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    main(
        [
            "user",
            "add",
            "nuria",
            "--role",
            "clerk",
            "--password",
            "s3cret-pass",
            "--languages",
            "ca,en",
            "--topics",
            "census,taxes",
        ]
    )
    assert "added clerk nuria" in capsys.readouterr().out
    with Database(db_url).session() as session:
        user = session.scalars(select(StaffUser)).one()
        assert user.password_hash.startswith("$argon2")
        assert verify_secret(user.password_hash, "s3cret-pass")
        assert user.language_set == {"ca", "en"} and user.topic_set == {"census", "taxes"}
        assert not user.habilitated  # only when the city says so


def test_habilitated_officials_are_registered_and_revoked(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["user", "add", "pau", "--password", "long-enough", "--habilitated"])
    main(["user", "add", "rita", "--password", "long-enough"])
    assert "added clerk pau (habilitated)" in capsys.readouterr().out
    main(["user", "habilitate", "rita"])
    main(["user", "habilitate", "pau", "--revoke"])
    out = capsys.readouterr().out
    assert "rita is habilitated" in out and "pau is no longer habilitated" in out
    with Database(db_url).session() as session:
        users = {u.username: u.habilitated for u in session.scalars(select(StaffUser))}
    assert users == {"pau": False, "rita": True}
    assert "No user 'nobody'" in run_failing(["user", "habilitate", "nobody"], capsys)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["user", "add", "x", "--password", "short"], "at least 8"),
        (
            ["user", "add", "x", "--password", "long-enough", "--languages", "fr"],
            "Languages must be",
        ),
        (["user", "add", "bad name!", "--password", "long-enough"], "user name"),
        (["hours", "set", "mon-fri 9-14"], "bad opening hours"),
        (
            ["hours", "set", "mon-fri 09:00-14:00", "--timezone", "Mars/Olympus"],
            "bad opening hours",
        ),
        (["kiosk", "disable", "nope"], "No kiosk"),
    ],
)
def test_bad_input_gets_one_clear_line(
    db_url: str, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert message in run_failing(argv, capsys)


def test_duplicate_user_is_refused(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    main(["user", "add", "pau", "--password", "long-enough"])
    assert "exists already" in run_failing(
        ["user", "add", "pau", "--password", "other-pass"], capsys
    )


def test_kiosk_secret_is_shown_once_and_stored_hashed(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["kiosk", "add", "sants-1", "--site", "Casa del Mig", "--name", "Cabina Sants"])
    out = capsys.readouterr().out
    secret = out.split("device secret (shown once, keep it safe): ")[1].strip()
    with Database(db_url).session() as session:
        kiosk = session.scalars(select(Kiosk)).one()
        assert secret not in kiosk.secret_hash
        assert verify_secret(kiosk.secret_hash, secret)
    main(["kiosk", "disable", "sants-1"])
    with Database(db_url).session() as session:
        assert session.scalars(select(Kiosk)).one().enabled is False


def test_hours_set(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    main(
        [
            "hours",
            "set",
            "mon-fri 08:30-14:00,16:00-19:00; sat 09:00-13:00",
            "--closed",
            "2026-12-25",
        ]
    )
    with Database(db_url).session() as session:
        row = session.get(OfficeHours, 1)
        assert row is not None and row.closed_days == "2026-12-25"


def test_bad_configuration_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FINESTRETA_RING_TIMEOUT_SECONDS", "soon")
    assert "FINESTRETA_RING_TIMEOUT_SECONDS" in run_failing(["db", "upgrade"], capsys)


def test_audit_lookups_lists_who_looked_up_whom(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import UTC, datetime

    from finestreta.padro.records import LookupRow

    db = Database(db_url)
    with db.session() as session:
        anna = StaffUser(
            username="anna", display_name="Anna", role="clerk", password_hash="x", locale="ca"
        )
        session.add(anna)
        session.flush()
        for number, day in (("11111111H", 27), ("33333333P", 28)):
            session.add(
                LookupRow(
                    at=datetime(2026, 11, day, 10, tzinfo=UTC),
                    clerk_id=anna.id,
                    call_id="c1",
                    action="find",
                    document_type="dni",
                    document_number=number,
                    outcome="registered",
                    purpose="census volant: identify the citizen",
                )
            )
    db.dispose()
    capsys.readouterr()
    main(["audit", "lookups", "--since", "2026-11-28"])
    out = capsys.readouterr()
    lines = out.out.strip().splitlines()
    assert lines[0].startswith("at,clerk,call_id,action")
    assert len(lines) == 2 and "33333333P" in lines[1] and ",anna," in lines[1]
    assert "1 look-ups" in out.err
    main(["audit", "lookups", "--document", "11111111h"])
    assert "11111111H" in capsys.readouterr().out
    assert "--since" in run_failing(["audit", "lookups", "--since", "yesterday"], capsys)


@pytest.mark.parametrize(
    "argv",
    [
        ["hours", "set", "mon-fri 09:00-14:00"],
        ["kiosk", "add", "sants-9", "--site", "Casa del Mig"],
        ["user", "add", "nuria", "--password", "long-enough"],
        ["audit", "lookups"],
        ["documents", "purge"],
    ],
)
def test_a_command_on_a_missing_database_says_which_and_creates_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
) -> None:
    """Issue 9 #13: `hours set` after `scripts/demo` used the default var/finestreta.db, failed
    on a missing table and left that file behind, empty."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FINESTRETA_DATABASE_URL", raising=False)
    err = run_failing(argv, capsys)
    assert "var/finestreta.db" in err and "finestreta db upgrade" in err
    assert "sqlite:///var/demo.db" in err
    assert not (tmp_path / "var" / "finestreta.db").exists()


def test_a_command_on_a_database_without_schema_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty.db").touch()
    monkeypatch.setenv("FINESTRETA_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    err = run_failing(["hours", "set", "mon-fri 09:00-14:00"], capsys)
    assert "no Finestreta schema" in err and "empty.db" in err


def test_hours_set_says_which_database(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    main(["hours", "set", "mon-fri 09:00-14:00"])
    assert db_url in capsys.readouterr().out


README = Path(__file__).parents[2] / "README.md"


def test_the_readme_says_how_to_move_the_demo_and_close_its_office(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 9 #14: the README's commands for the demo, run as written, do what it says."""
    import shlex
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from finestreta.attention.opening_hours import OpeningHours, parse_hours

    text = README.read_text(encoding="utf-8")
    assert "scripts/demo --port 8080" in text
    block = text.split("closed screen", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    lines = [line.split("#", 1)[0].strip() for line in block.splitlines()]
    monkeypatch.chdir(tmp_path)
    exported = [line for line in lines if line.startswith("export ")]
    assert exported == ["export FINESTRETA_DATABASE_URL=sqlite:///var/demo.db"]
    monkeypatch.setenv("FINESTRETA_DATABASE_URL", "sqlite:///var/demo.db")
    main(["db", "upgrade"])  # what scripts/demo does first
    url = "sqlite:///var/demo.db"
    today = datetime.now(ZoneInfo("Europe/Madrid")).date().isoformat()
    opened = []
    for line in lines:
        if not line.startswith(".venv/bin/finestreta "):
            continue
        main(shlex.split(line.replace("$(date +%F)", today))[1:])
        with Database(url).session() as session:
            row = session.get(OfficeHours, 1)
            assert row is not None
            closed = frozenset(datetime.fromisoformat(d).date() for d in _split(row.closed_days))
            hours = OpeningHours(parse_hours(row.spec), closed)
            opened.append(hours.is_open(datetime.now(ZoneInfo(row.timezone))))
    assert opened == [False, True]


def _split(text: str) -> list[str]:
    return [part for part in text.split(",") if part]


def test_the_demo_clerks_and_supervisors_are_habilitated_officials(db_url: str) -> None:
    from finestreta import demo

    with Database(db_url).session() as session:
        assert demo.seed(session)
    with Database(db_url).session() as session:
        staff = list(session.scalars(select(StaffUser)))
    assert staff and all(u.habilitated == (u.role in ("clerk", "supervisor")) for u in staff)
    assert any(u.role == "admin" and not u.habilitated for u in staff)
