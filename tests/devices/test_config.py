"""The agent's configuration file and its command line: a bad file is one line and status 2."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from finestreta.kiosk_agent.config import AgentConfig, ConfigError, load_config, parse_config
from finestreta.kiosk_agent.main import run

SECRET = "ABCDE-FGHJK-LMNPQ-RSTUV-WXYZ2"
GOOD = f"""
server_url = "https://finestreta.example.cat/"
kiosk_code = "casa-del-mig"
kiosk_secret = "{SECRET}"
printer_uri = "ipp://127.0.0.1:631/printers/booth"
scanner_device = "test:0"
spool_dir = "/var/lib/finestreta-agent"
"""


def write(tmp_path: Path, text: str, name: str = "agent.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    path.chmod(0o600)
    return path


def test_a_good_file(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    assert config.server_url == "https://finestreta.example.cat"
    assert config.websocket_url == "wss://finestreta.example.cat/ws/agent"
    assert config.authorization == f"Kiosk casa-del-mig:{SECRET}"
    assert (config.health_interval_s, config.heartbeat_s) == (30, 5)
    assert config.journal_path == Path("/var/lib/finestreta-agent/journal.jsonl")
    assert SECRET not in repr(config)


def test_plain_http_gives_ws_and_a_path_prefix_is_kept() -> None:
    config = _config(server_url="http://10.1.2.3:8000/finestreta")
    assert config.websocket_url == "ws://10.1.2.3:8000/finestreta/ws/agent"


def test_the_secret_can_live_in_a_file_of_its_own(tmp_path: Path) -> None:
    secret_file = write(tmp_path, SECRET + "\n", "secret")
    text = GOOD.replace(f'kiosk_secret = "{SECRET}"', f'kiosk_secret_file = "{secret_file}"')
    config = load_config(write(tmp_path, text))
    assert config.secret == SECRET  # the newline is gone


def _config(**changes: Any) -> AgentConfig:
    data: dict[str, Any] = {
        "server_url": "https://f.example",
        "kiosk_code": "b1",
        "kiosk_secret": SECRET,
        "printer_uri": "ipp://printer.local/ipp/print",
        "scanner_device": "test",
        "spool_dir": "/tmp/spool",
    }
    data.update(changes)
    return parse_config({k: v for k, v in data.items() if v is not None})


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"server_url": None}, "server_url: is required"),
        ({"server_url": "ftp://f.example"}, "server_url: must be an http:// or https:// URL"),
        ({"server_url": "https://f.example?x=1"}, "server_url: must not carry a query"),
        ({"server_url": "https://f.example:99999"}, "server_url: has a bad port number"),
        ({"printer_uri": "http://printer/ipp"}, "printer_uri: must be an ipp:// or ipps:// URI"),
        ({"kiosk_code": "a b"}, "kiosk_code: String should match pattern"),
        ({"kiosk_secret": None}, "kiosk_secret or kiosk_secret_file is required"),
        ({"kiosk_secret_file": "/x"}, "give kiosk_secret or kiosk_secret_file, not both"),
        ({"kiosk_secret": "has space"}, "kiosk_secret: must be printable ASCII"),
        ({"scanner_device": "--help"}, "scanner_device: is not a SANE device name"),
        ({"spool_dir": "spool"}, "spool_dir: must be an absolute path"),
        ({"health_interval_s": 1}, "health_interval_s: Input should be greater than or equal to 5"),
        ({"heartbeat_s": "fast"}, "heartbeat_s: Input should be a valid number"),
        (
            {"sane_config_dir": "/nonexistent/sane.d"},
            "sane_config_dir: /nonexistent/sane.d is not a directory",
        ),
        ({"printer": "ipp://x"}, "printer: unknown key (a typo?)"),
    ],
)
def test_bad_values_are_named(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        _config(**changes)
    assert message in str(info.value)
    assert SECRET not in str(info.value)
    assert "\n" not in str(info.value)


def test_a_missing_secret_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        _config(kiosk_secret=None, kiosk_secret_file=str(tmp_path / "nope"))
    assert "kiosk_secret_file: cannot read" in str(info.value)
    assert "No such file or directory" in str(info.value)


# ---------------------------------------------------------------------- the command line
def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = run(argv)
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("server_url = ", "not valid TOML"),
        (GOOD.replace('scanner_device = "test:0"', ""), "scanner_device: is required"),
        (GOOD + "\nheartbeat_s = 0\n", "heartbeat_s: Input should be greater than or equal to 1"),
        (GOOD.replace("https://", "gopher://"), "server_url: must be an http:// or https:// URL"),
    ],
)
def test_a_bad_file_is_one_line_and_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, expected: str
) -> None:
    path = write(tmp_path, text)
    code, err = _run(["--config", str(path)], capsys)
    assert code == 2
    assert err.count("\n") == 1, err
    assert err.startswith("finestreta kiosk-agent: bad configuration: ")
    assert str(path) in err and expected in err
    assert "Traceback" not in err and SECRET not in err


def test_a_missing_file_and_a_bad_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _run(["--config", str(tmp_path / "absent.toml")], capsys)
    assert code == 2 and err.count("\n") == 1
    assert "cannot read" in err and "No such file or directory" in err
    code, err = _run([], capsys)
    assert code == 2 and err.count("\n") == 1 and "--config" in err
    code, err = _run(["--config", "x", "--bogus"], capsys)
    assert code == 2 and err.count("\n") == 1 and "--bogus" in err


def test_a_spool_that_cannot_be_made_is_a_configuration_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    text = GOOD.replace('"/var/lib/finestreta-agent"', f'"{blocker / "spool"}"')
    code, err = _run(["--config", str(write(tmp_path, text))], capsys)
    assert code == 2 and err.count("\n") == 1
    assert "spool_dir: cannot create" in err


def test_a_secret_file_that_cannot_be_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = GOOD.replace(f'kiosk_secret = "{SECRET}"', f'kiosk_secret_file = "{tmp_path}"')
    code, err = _run(["--config", str(write(tmp_path, text))], capsys)
    assert code == 2 and err.count("\n") == 1
    assert "kiosk_secret_file: cannot read" in err and "Is a directory" in err


def test_a_secret_readable_by_others_is_warned_about(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from finestreta.kiosk_agent.config import loose_permissions

    path = write(tmp_path, GOOD)
    config = load_config(path)
    assert loose_permissions(config, path) == []
    path.chmod(0o644)
    assert loose_permissions(config, path) == [f"{path} (mode 644)"]


def test_help_and_version_return_instead_of_exiting(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--version"]) == 0
    assert "finestreta kiosk-agent" in capsys.readouterr().out
    assert run(["--help"]) == 0
    assert "--check" in capsys.readouterr().out
