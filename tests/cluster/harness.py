"""nginx in front of Finestreta nodes, for tests: ``deploy/nginx/finestreta.conf`` exactly as
shipped, with only its ``# CHANGE`` lines rewritten (upstream nodes, listen addresses, the
certificate), run unprivileged on free loopback ports with every path in a directory of its own.

Cluster mode does not exist yet (issue 13): the tests put one node behind it."""

from __future__ import annotations

import datetime
import ipaddress
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.conftest import need

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "deploy" / "nginx" / "finestreta.conf"


def nginx_binary() -> str | None:
    """Debian installs nginx in /usr/sbin, which a user's PATH often lacks."""
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key (the clients do not verify it)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def render(
    shipped: str, nodes: list[str], http_port: int, https_port: int, cert: Path, key: Path
) -> str:
    """The shipped file with its ``# CHANGE`` lines rewritten, and nothing else: every such
    line must be one of these, so a new one the tests do not know about fails loudly."""
    out: list[str] = []
    for line in shipped.splitlines():
        if "# CHANGE" not in line:
            out.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        directive = line.split()[0]
        if directive == "server":
            out += [f"{indent}server {node} max_fails=1 fail_timeout=2s;" for node in nodes]
        elif directive == "listen" and " ssl;" in line:
            out.append(f"{indent}listen 127.0.0.1:{https_port} ssl;")
        elif directive == "listen":
            out.append(f"{indent}listen 127.0.0.1:{http_port};")
        elif directive == "ssl_certificate":
            out.append(f"{indent}ssl_certificate {cert};")
        elif directive == "ssl_certificate_key":
            out.append(f"{indent}ssl_certificate_key {key};")
        else:
            raise AssertionError(f"a CHANGE line the test harness does not know: {line!r}")
    return "\n".join(out) + "\n"


MAIN = """\
daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    include {dir}/finestreta.conf;
}}
"""


@dataclass
class Nginx:
    """One unprivileged nginx on free loopback ports in front of ``nodes`` (``host:port``)."""

    binary: str
    nodes: list[str]
    http_port: int = field(default_factory=free_port)
    https_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    # not pytest's tmp_path: that is private to its user (0700), and when the tests run as
    # root nginx's workers run as nobody, and must reach their temporary directories
    directory: Path = field(
        default_factory=lambda: Path(tempfile.mkdtemp(prefix="finestreta-nginx-"))
    )

    @property
    def origin(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    def start(self) -> None:
        self.directory.chmod(0o755)
        cert, key = self_signed(self.directory)
        site = render(SHIPPED.read_text(), self.nodes, self.http_port, self.https_port, cert, key)
        (self.directory / "finestreta.conf").write_text(site)
        main = self.directory / "nginx.conf"
        main.write_text(MAIN.format(dir=self.directory))
        with (self.directory / "stderr.log").open("ab") as log:  # the child keeps a copy
            self.process = subprocess.Popen(
                [self.binary, "-p", str(self.directory), "-c", str(main), "-e", "stderr"],
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with socket.create_connection(("127.0.0.1", self.https_port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"nginx did not come up; its log:\n{self.log()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful: workers finish, then exit
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        shutil.rmtree(self.directory, ignore_errors=True)

    def log(self) -> str:
        logs = [self.directory / "stderr.log", self.directory / "error.log"]
        return "".join(p.read_text(errors="replace") for p in logs if p.exists())


class RedisServer:
    """``redis-server`` on a free loopback port, without persistence; restartable on that port."""

    def __init__(self, workdir: Path) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        need(Path(binary).exists(), "redis-server is not installed")
        self.binary = binary
        self.workdir = workdir
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *(self.binary, "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.workdir)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def pause(self, paused: bool) -> None:
        """SIGSTOP/SIGCONT: a hung broker whose kernel still holds the connections open."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP if paused else signal.SIGCONT)

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(5)
            self.process = None


class Startable(Protocol):
    def start(self) -> None: ...


def start_all(servers: Sequence[Startable]) -> None:
    """Start nodes in parallel (each takes seconds to boot); raise the first failure."""
    errors: list[BaseException] = []

    def one(server: Startable) -> None:
        try:
            server.start()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=one, args=(s,)) for s in servers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
