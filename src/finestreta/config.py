"""Settings, read from the environment (``FINESTRETA_*``) or a ``.env`` file.

Every field carries its help text in ``description``; ``docs/configuration.md`` lists them all and
a test fails when one is missing there, so the table and the code cannot drift apart.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_OUTCOMES = (
    "information_given",
    "procedure_completed",
    "referred_to_office",
    "appointment_booked",
    "not_resolved",
    "call_dropped",
)


_ORIGIN = re.compile(
    r"https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?/?|https?://\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?/?"
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="FINESTRETA_",
        env_file=".env",
        extra="ignore",
        frozen=True,
        # a bad secret (a Redsys key, a password) must not be echoed in the error
        hide_input_in_errors=True,
    )

    database_url: str = Field(
        "sqlite:///var/finestreta.db",
        description="SQLAlchemy URL of the database; SQLite by default, "
        "`postgresql+psycopg://…` in production.",
    )
    host: str = Field("127.0.0.1", description="Address `serve` listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `serve` listens on.")
    public_url: str = Field(
        "",
        description="External base URL (e.g. `https://oac.example.org`): the address sealed into "
        "documents (their `/verify` link), the origin browsers' requests must come from, and, "
        "when https, cookies are marked Secure. Empty: no document can be issued (`demo` sets "
        "one from host and port).",
    )
    allowed_hosts: Annotated[tuple[str, ...], NoDecode] = Field(
        (),
        description="Host names requests may carry in `Host`, comma-separated, besides the public "
        "URL's host and `localhost`, `127.0.0.1`, `::1`; other hosts get 400.",
    )
    ring_timeout_seconds: float = Field(
        20.0, gt=0, le=300, description="How long an offer rings a clerk before it expires."
    )
    missed_rings_before_away: int = Field(
        3, ge=1, le=100, description="Rings missed in a row after which a clerk is set *away*."
    )
    kiosk_grace_seconds: float = Field(
        30.0,
        gt=0,
        le=3600,
        description="How long a booth may be disconnected before its waiting request is abandoned "
        "(also counted from server start-up for requests restored from the database).",
    )
    console_grace_seconds: float = Field(
        30.0,
        gt=0,
        le=3600,
        description="How long a clerk console may be disconnected before the clerk goes offline.",
    )
    drain_seconds: float = Field(
        30.0,
        ge=0,
        le=600,
        description="On SIGTERM, how long the server drains before it stops: sockets are "
        "closed with 1012 over the first half, then requests finish (0: stop at once).",
    )
    redis_url: SecretStr = Field(
        SecretStr(""),
        description="Redis URL (`redis://host:6379/0`) for several nodes on one PostgreSQL "
        "database: frames for sockets other nodes hold and 'state changed' hints go through it. "
        "Empty (default): one node, nothing crosses.",
    )
    redis_prefix: str = Field(
        "",
        description="Prefix of this office's Redis channels; empty: `fin:<database>:<schema>:` "
        "from the database URL, so two offices on one Redis never mix.",
    )
    node_id: str = Field(
        "",
        max_length=120,
        description="This node's name in the cluster (logs, `/api/health`); empty: "
        "`host:port:pid:random`, a new name at each start.",
    )
    node_lease_seconds: float = Field(
        3.0,
        gt=0,
        le=60,
        description="A node whose heartbeat is older than this is dead: another node ends its "
        "sockets' presence (grace periods start then).",
    )
    cluster_poll_seconds: float = Field(
        1.0,
        gt=0,
        le=30,
        description="How often each node reads the switchboard's version from the database, "
        "whatever Redis says: a lost hint costs at most this long.",
    )
    heartbeat_seconds: float = Field(
        5.0,
        gt=0,
        le=60,
        description="Interval of WebSocket pings; a peer silent for three "
        "intervals is considered dead.",
    )
    kiosk_idle_reset_seconds: float = Field(
        90.0, gt=5, le=3600, description="Inactivity after which a booth screen returns to idle."
    )
    average_handle_seconds: float = Field(
        240.0,
        gt=0,
        description="Handle time assumed for the estimated wait until enough calls "
        "of the day exist to measure it.",
    )
    service_level_seconds: float = Field(
        20.0,
        gt=0,
        le=3600,
        description="The service level's threshold: the share of calls answered within this "
        "many seconds (the wallboard and its figures API; docs/kpis.md).",
    )
    outcomes: Annotated[tuple[str, ...], NoDecode] = Field(
        DEFAULT_OUTCOMES,
        description="Wrap-up outcome codes offered to clerks, comma-separated "
        "(labels come from the translation catalogues when they exist).",
    )
    max_frame_bytes: int = Field(
        65536,
        ge=1024,
        description="Largest WebSocket frame accepted; larger ones get an error frame.",
    )
    frames_per_second: float = Field(
        30.0, gt=0, description="Sustained frames per second accepted from one socket."
    )
    frame_burst: int = Field(
        120, ge=1, description="Frames one socket may send in a burst before it is throttled."
    )
    frame_bytes_per_second: float = Field(
        131072.0,
        gt=0,
        description="Sustained bytes per second accepted from one socket (frames past it get "
        "`rate_limited`), so one peer sending big frames cannot starve the others.",
    )
    frame_bytes_burst: int = Field(
        262144,
        ge=1024,
        description="Bytes one socket may send in a burst; at least `FINESTRETA_MAX_FRAME_BYTES`.",
    )
    max_body_bytes: int = Field(
        65536,
        ge=1024,
        description="Largest HTTP request body accepted, except uploads "
        "(`FINESTRETA_MAX_UPLOAD_BYTES`), the login and pairing forms (4 KiB) and the payment "
        "gateway's notifications (8 KiB); refused with 413 before it is read.",
    )
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = Field(
        (),
        description="Addresses or networks (CIDR) of reverse proxies whose `X-Forwarded-For` is "
        "believed, comma-separated; the client is the right-most hop that is not one of them. "
        "Empty: trust none (not even loopback).",
    )
    metrics_token: SecretStr = Field(
        SecretStr(""),
        description="Bearer token that may read `GET /metrics` (Prometheus); never logged. "
        "With neither this nor `FINESTRETA_METRICS_ALLOW`, `/metrics` answers 404.",
    )
    metrics_allow: Annotated[tuple[str, ...], NoDecode] = Field(
        (),
        description="Addresses or networks (CIDR) that may read `GET /metrics` without the "
        "token, comma-separated (e.g. `127.0.0.1/32`); the client address is the one of "
        "`FINESTRETA_TRUSTED_PROXIES`' rule.",
    )
    login_attempts_per_minute: int = Field(
        5,
        ge=1,
        description="Failed logins (or pairings) allowed a minute per client address and user "
        "name (booth code); four times as many per address.",
    )
    login_failures_per_user_hour: int = Field(
        30,
        ge=1,
        description="Failed logins for one user name (booth code), from any address, in an hour, "
        "after which only addresses that logged in as that user before may try.",
    )
    session_hours: float = Field(12.0, gt=0, description="Lifetime of a staff session.")
    pairing_idle_days: float = Field(
        45.0,
        gt=0,
        description="Days a booth's pairing may go unused before it expires (long enough for a "
        "booth closed for a month); each use renews it.",
    )
    stun_urls: Annotated[tuple[str, ...], NoDecode] = Field(
        (),
        description="STUN server URLs handed to browsers, comma-separated (e.g. "
        "`stun:turn.example.org:3478`).",
    )
    turn_urls: Annotated[tuple[str, ...], NoDecode] = Field(
        (),
        description="TURN server URLs, comma-separated (e.g. "
        "`turn:turn.example.org:3478?transport=udp`).",
    )
    turn_secret: str = Field(
        "",
        description="coturn `static-auth-secret`: TURN credentials are derived from it "
        "(TURN REST scheme); never logged.",
    )
    turn_ttl_seconds: int = Field(
        3600, ge=60, le=86400, description="Lifetime of TURN credentials."
    )
    ice_transport_policy: str = Field(
        "all", pattern="^(all|relay)$", description="`all`, or `relay` to force calls through TURN."
    )
    storage_dir: str = Field(
        "",
        description="Where document files are kept (content-addressed by SHA-256). Empty: "
        "`documents/` next to the SQLite database, or `var/documents`.",
    )
    document_retention_days: float = Field(
        30.0,
        gt=0,
        le=3650,
        description="Days a scan or uploaded document is kept before its "
        "file is deleted (its row and hash stay).",
    )
    max_upload_bytes: int = Field(
        20 * 1024 * 1024,
        ge=1024,
        description="Largest document accepted (uploads and scans), also as a request body.",
    )
    max_image_decode_mib: float = Field(
        64.0,
        gt=0,
        description="Largest image decoded when checking an upload or scan, in MiB of pixels "
        "(width × height × bands, read from the header before decoding).",
    )
    image_decodes_at_once: int = Field(
        2, ge=1, description="Images decoded at the same time; further uploads wait briefly."
    )
    health_interval_seconds: float = Field(
        30.0, gt=1, le=3600, description="How often the kiosk agent reports device health."
    )
    city_name: str = Field("Barcelona", description="The city, as printed on its documents.")
    city_council: str = Field(
        "", description="Issuing body on documents; empty: `Ajuntament de <city name>`."
    )
    city_address: str = Field("", description="Address line under the city heading.")
    city_lines: Annotated[tuple[str, ...], NoDecode] = Field(
        (), description="Further heading lines (comma-separated), e.g. the office's name."
    )
    city_timezone: str = Field(
        "Europe/Madrid", description="Time zone of issue dates and registry years."
    )
    report_model: str = Field(
        "",
        description="TOML file with the pilot report's cost model and impact factors "
        "(docs/report.md); empty: the defaults in code, each printed with its source. "
        "`finestreta report pilot --model` overrides it.",
    )
    report_language: Literal["ca", "es", "en"] = Field(
        "ca", description="Language of the pilot report when none is asked for (ca, es or en)."
    )
    seal_pkcs12: str = Field(
        "",
        description="PKCS#12 file with the city's electronic seal (certificate + key). "
        "`finestreta seal init` makes a self-signed one for demos.",
    )
    seal_password: SecretStr = Field(
        SecretStr(""), description="Password of the seal's PKCS#12 file; never logged."
    )
    population_register: str = Field(
        "",
        pattern=r"^$|^[A-Za-z_][\w.]*:[A-Za-z_]\w*$",
        description="The city's population register adapter as `package.module:factory` "
        "(called with the settings and the database); empty: the built-in register.",
    )
    streets_register: str = Field(
        "",
        pattern=r"^$|^[A-Za-z_][\w.]*:[A-Za-z_]\w*$",
        description="The city's street register adapter as `package.module:factory` "
        "(called with the settings and the database); empty: the built-in register.",
    )
    certificate_retention_days: float = Field(
        3650, gt=0, description="Days an issued certificate's PDF is kept for `/verify`."
    )
    signature_key: SecretStr = Field(
        SecretStr(""),
        description="Server secret the key encrypting signatures' timing and pressure is derived "
        "from (at least 32 characters; `python -c 'import secrets; print(secrets.token_urlsafe"
        "(32))'`); changing it makes kept signatures unreadable. Empty: no signature can be "
        "taken (`demo` sets a public demo key); never logged.",
    )
    signature_retention_days: float = Field(
        3650,
        gt=0,
        description="Days a citizen's signature strokes are kept after signing (as long as the "
        "certificates they sign, by default); then they are deleted and the record that the "
        "document was signed (hash, signer, time) stays.",
    )
    verify_misses_per_minute: int = Field(
        10, ge=1, description="Unknown codes one client address may try a minute on `/verify`."
    )
    verify_lookups_per_minute: int = Field(
        30, ge=1, description="Look-ups of any outcome one client address may make a minute."
    )
    procedures: Annotated[tuple[str, ...], NoDecode] = Field(
        (),
        description="The procedures this server runs, comma-separated: entry-point names "
        "(`census`, `information`) or `package.module:attribute` specs; empty: every installed "
        "procedure (docs/procedures.md).",
    )
    payments_gateway: Literal["sandbox", "redsys"] = Field(
        "sandbox",
        description="Card payments go to `sandbox` (the project's own gateway, "
        "`finestreta payments sandbox`, offline) or `redsys` (the endpoint, merchant code, "
        "terminal and key below; docs/payments.md).",
    )
    payments_order_prefix: str = Field(
        "0001",
        pattern=r"^[0-9]{4}$",
        description="The 4 digits every order number of this installation starts with; two "
        "installations sharing one merchant code need two prefixes.",
    )
    payments_order_expiry_minutes: int = Field(
        20,
        ge=1,
        le=1440,
        description="Minutes after which an order with no answer from the gateway expires and "
        "what it charged may be paid again (a later authorised notification still settles it).",
    )
    payments_redsys_merchant_code: str = Field(
        "",
        pattern=r"^$|^[0-9]{9}$",
        description="The Redsys merchant code (FUC, 9 digits); needed with the `redsys` gateway.",
    )
    payments_redsys_terminal: str = Field(
        "1", pattern=r"^[0-9]{1,3}$", description="The Redsys terminal number."
    )
    payments_redsys_key: SecretStr = Field(
        SecretStr(""),
        description="The terminal's HMAC_SHA256_V1 key as Redsys gives it (Base64 of 24 bytes); "
        "needed with the `redsys` gateway; never logged.",
    )
    payments_redsys_endpoint: str = Field(
        # payments/redsys.py: TEST_ENDPOINT (not imported: payments imports the settings)
        "https://sis-t.redsys.es:25443/sis/realizarPago",
        pattern=r"^https://[^\s]+$",
        description="Where the booth posts the payment form with the `redsys` gateway: Redsys's "
        "test environment by default, `https://sis.redsys.es/sis/realizarPago` for real money.",
    )
    payments_sandbox_url: str = Field(
        "http://127.0.0.1:8001",
        pattern=r"^https?://[A-Za-z0-9.\-\[\]:]+$",
        description="The sandbox gateway's origin (scheme, host, port; no path): where the booth "
        "posts the payment form with the `sandbox` gateway. `demo` runs it on the next port.",
    )
    payments_sandbox_merchants: Annotated[tuple[str, ...], NoDecode] = Field(
        (),
        description="Origins the sandbox gateway serves, comma-separated: pages that may frame its "
        "card page, and the only places it posts notifications to. Empty: the public URL's "
        "origin.",
    )
    payments_sandbox_notifiers: Annotated[tuple[str, ...], NoDecode] = Field(
        ("127.0.0.0/8", "::1/128"),
        description="Networks the `sandbox` gateway's notifications may come from, "
        "comma-separated. The sandbox signs with Redsys's public test key, so anyone could "
        "sign one: by default only this machine's own sandbox is heard.",
    )
    smtp_host: str = Field(
        "",
        pattern=r"^$|^[A-Za-z0-9.\-\[\]:]+$",
        description="The SMTP server mail is sent through (answers to complaints…); empty: "
        "nothing is sent and mail waits in its outbox.",
    )
    smtp_port: int = Field(587, ge=1, le=65535, description="The SMTP server's port.")
    smtp_username: str = Field("", description="SMTP login; empty: no login.")
    smtp_password: SecretStr = Field(SecretStr(""), description="SMTP password; never logged.")
    smtp_starttls: bool = Field(
        True, description="Upgrade the SMTP connection with STARTTLS before logging in."
    )
    smtp_timeout_seconds: float = Field(
        20.0, gt=0, le=300, description="How long to wait for the SMTP server."
    )
    mail_from: str = Field(
        "",
        description="The sender of the city's mail (`Ajuntament <no-reply@city.example>`); "
        "needed to send mail.",
    )
    demo: bool = Field(
        False, description="Demo mode: shows demo hints on the login and booth pages."
    )
    log_level: str = Field("info", description="Log level of the server.")
    log_format: Literal["text", "json"] = Field(
        "text",
        description="`text` lines, or `json`: one object a line with the call's and "
        "request's ids (docs/operations.md, Logs).",
    )

    @field_validator(
        "outcomes",
        "stun_urls",
        "turn_urls",
        "city_lines",
        "procedures",
        "trusted_proxies",
        "metrics_allow",
        "allowed_hosts",
        "payments_sandbox_merchants",
        "payments_sandbox_notifiers",
        mode="before",
    )
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("trusted_proxies", "metrics_allow", "payments_sandbox_notifiers")
    @classmethod
    def _networks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for entry in value:
            ipaddress.ip_network(entry, strict=False)  # a ValueError names the bad entry
        return value

    @field_validator("payments_sandbox_merchants")
    @classmethod
    def _origins(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for entry in value:
            if not _ORIGIN.fullmatch(entry):
                raise ValueError(f"{entry!r} is not an origin such as https://oac.example.org")
        return tuple(entry.rstrip("/") for entry in value)

    @field_validator("payments_redsys_key")
    @classmethod
    def _redsys_key(cls, value: SecretStr) -> SecretStr:
        text = value.get_secret_value()
        if text:
            try:
                raw = base64.b64decode(text, validate=True)
            except (binascii.Error, ValueError):
                raw = b""
            if len(raw) != 24:
                # the key is a secret: the message never repeats it
                raise ValueError(
                    "the Redsys key must be the Base64 of 24 bytes, as Redsys gives it"
                )
        return value

    @field_validator("signature_key")
    @classmethod
    def _signature_key(cls, value: SecretStr) -> SecretStr:
        if value.get_secret_value() and len(value.get_secret_value()) < 32:
            # a secret: the message never repeats it
            raise ValueError("the signature key must be at least 32 characters long")
        return value

    @model_validator(mode="after")
    def _redsys_is_complete(self) -> Settings:
        if self.payments_gateway == "redsys":
            missing = [
                name
                for name, value in (
                    ("PAYMENTS_REDSYS_MERCHANT_CODE", self.payments_redsys_merchant_code),
                    ("PAYMENTS_REDSYS_KEY", self.payments_redsys_key.get_secret_value()),
                )
                if not value
            ]
            if missing:
                raise ValueError(
                    "FINESTRETA_PAYMENTS_GATEWAY=redsys needs "
                    + " and ".join(f"FINESTRETA_{name}" for name in missing)
                )
        return self

    @model_validator(mode="after")
    def _cluster_needs_postgresql(self) -> Settings:
        url = self.redis_url.get_secret_value()  # may hold a password: never in a message
        if url:
            if not url.startswith(("redis://", "rediss://", "unix://")):
                raise ValueError(
                    "FINESTRETA_REDIS_URL must start with redis://, rediss:// or unix://"
                )
            if not self.database_url.startswith("postgresql"):
                # every node must see one database, locked row by row: SQLite is one process's
                raise ValueError(
                    "FINESTRETA_REDIS_URL (several nodes) needs FINESTRETA_DATABASE_URL on PostgreSQL"
                )
        return self

    @property
    def clustered(self) -> bool:
        """Several nodes share this office (a Redis URL is set)."""
        return bool(self.redis_url.get_secret_value())

    @model_validator(mode="after")
    def _byte_burst_holds_a_frame(self) -> Settings:
        if self.frame_bytes_burst < self.max_frame_bytes:
            raise ValueError("FINESTRETA_FRAME_BYTES_BURST must be at least MAX_FRAME_BYTES")
        return self

    @property
    def documents_dir(self) -> Path:
        return Path(self.storage_dir) if self.storage_dir else self.var_dir / "documents"

    @property
    def var_dir(self) -> Path:
        """Where local state (SQLite file, generated secret) lives."""
        if self.database_url.startswith("sqlite:///") and not self.database_url.endswith(
            ":memory:"
        ):
            return Path(self.database_url.removeprefix("sqlite:///")).parent
        return Path("var")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
