"""The agent's configuration file (TOML), checked key by key.

A bad file ends the agent with one line that names the key and what is wrong with it; the
secret is held as a ``SecretStr`` and never appears in a message, a log line or a repr.
"""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

KIOSK_CODE_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"


class ConfigError(Exception):
    """A configuration problem, as one line fit for a person to read."""


class AgentConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    server_url: str
    # A CA bundle for a server whose certificate a city's own CA signed (else the system's).
    server_ca_file: Path | None = None
    kiosk_code: Annotated[str, Field(pattern=KIOSK_CODE_PATTERN)]
    kiosk_secret: SecretStr | None = None
    kiosk_secret_file: Path | None = None
    printer_uri: str
    scanner_device: Annotated[str, Field(min_length=1, max_length=200)]
    sane_config_dir: Path | None = None
    spool_dir: Path
    health_interval_s: Annotated[float, Field(ge=5, le=3600)] = 30
    heartbeat_s: Annotated[float, Field(ge=1, le=60)] = 5
    # Bounds on device work, so that a stuck device never holds a job (and a citizen) forever.
    print_timeout_s: Annotated[float, Field(ge=10, le=3600)] = 300
    scan_timeout_s: Annotated[float, Field(ge=10, le=1800)] = 120
    feeder_max_pages: Annotated[int, Field(ge=1, le=500)] = 50
    log_level: Literal["debug", "info", "warning", "error"] = "info"

    @field_validator("server_url")
    @classmethod
    def _server_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL with a host")
        if parts.query or parts.fragment or parts.username or parts.password:
            raise ValueError("must not carry a query, a fragment or credentials")
        try:
            parts.port  # noqa: B018 - raises on a bad port
        except ValueError:
            raise ValueError("has a bad port number") from None
        return value.rstrip("/")

    @field_validator("server_ca_file")
    @classmethod
    def _ca_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"{value} is not a readable file")
        return value

    @field_validator("printer_uri")
    @classmethod
    def _printer_uri(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("ipp", "ipps") or not parts.hostname:
            raise ValueError("must be an ipp:// or ipps:// URI with a host")
        try:
            parts.port  # noqa: B018
        except ValueError:
            raise ValueError("has a bad port number") from None
        return value

    @field_validator("scanner_device")
    @classmethod
    def _scanner_device(cls, value: str) -> str:
        if value.startswith("-") or any(c in value for c in "\n\r\0"):
            raise ValueError("is not a SANE device name (see `scanimage -L`)")
        return value

    @field_validator("sane_config_dir")
    @classmethod
    def _sane_config_dir(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_dir():
            raise ValueError(f"{value} is not a directory")
        return value

    @field_validator("spool_dir")
    @classmethod
    def _spool_dir(cls, value: Path) -> Path:
        if not value.is_absolute():
            raise ValueError("must be an absolute path")
        return value

    @model_validator(mode="before")
    @classmethod
    def _secret_from_file(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        inline, path = data.get("kiosk_secret"), data.get("kiosk_secret_file")
        if inline is not None and path is not None:
            raise ValueError("give kiosk_secret or kiosk_secret_file, not both")
        if inline is None and path is None:
            raise ValueError("kiosk_secret or kiosk_secret_file is required")
        if path is not None:
            if not isinstance(path, str):
                raise ValueError("kiosk_secret_file must be a path")
            try:
                secret = Path(path).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ValueError(
                    f"kiosk_secret_file: cannot read {path}: {exc.strerror or exc}"
                ) from None
            if not secret:
                raise ValueError(f"kiosk_secret_file: {path} is empty")
            data = {**data, "kiosk_secret": secret}
        return data

    @field_validator("kiosk_secret")
    @classmethod
    def _secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            raw = value.get_secret_value().strip()
            if not raw:
                raise ValueError("must not be empty")
            if len(raw) > 200 or any(ord(c) < 33 or ord(c) > 126 for c in raw):
                raise ValueError("must be printable ASCII without spaces, at most 200 characters")
            value = SecretStr(raw)
        return value

    # ------------------------------------------------------------------ derived
    @property
    def secret(self) -> str:
        assert self.kiosk_secret is not None  # the validator made sure
        return self.kiosk_secret.get_secret_value()

    @property
    def authorization(self) -> str:
        return f"Kiosk {self.kiosk_code}:{self.secret}"

    @property
    def websocket_url(self) -> str:
        parts = urlsplit(self.server_url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        path = parts.path.rstrip("/")
        return f"{scheme}://{parts.netloc}{path}/ws/agent"

    @property
    def journal_path(self) -> Path:
        return self.spool_dir / "journal.jsonl"


def _problem(error: dict[str, Any]) -> str:
    loc = ".".join(str(p) for p in error.get("loc", ()) if p != "__root__")
    message = str(error.get("msg", "invalid"))
    message = message.removeprefix("Value error, ")
    if error.get("type") == "extra_forbidden":
        return f"{loc}: unknown key (a typo?)"
    if error.get("type") == "missing":
        return f"{loc}: is required"
    return f"{loc}: {message}" if loc else message


def parse_config(data: dict[str, Any]) -> AgentConfig:
    try:
        return AgentConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError("; ".join(_problem(dict(e)) for e in exc.errors()[:3])) from None


def load_config(path: Path) -> AgentConfig:
    """Read, parse and check the file; every failure is a ConfigError with one line."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    try:
        config = parse_config(data)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return config


def prepare_spool(config: AgentConfig) -> None:
    """Create the spool directory (0700) and check the agent can write in it."""
    spool = config.spool_dir
    try:
        spool.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"spool_dir: cannot create {spool}: {exc.strerror or exc}") from None
    if not spool.is_dir():
        raise ConfigError(f"spool_dir: {spool} is not a directory")
    if not os.access(spool, os.W_OK | os.X_OK):
        raise ConfigError(f"spool_dir: {spool} is not writable by this user")


def loose_permissions(config: AgentConfig, config_path: Path) -> list[str]:
    """Files holding the secret that other users of the machine can read (warned about)."""
    holders = [config.kiosk_secret_file] if config.kiosk_secret_file else [config_path]
    loose = []
    for holder in holders:
        try:
            mode = holder.stat().st_mode
        except OSError:
            continue
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            loose.append(f"{holder} (mode {stat.S_IMODE(mode):o})")
    return loose
