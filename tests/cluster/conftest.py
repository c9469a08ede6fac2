"""One ``finestreta serve`` node on a fresh PostgreSQL schema behind nginx configured as
``deploy/nginx/finestreta.conf`` ships (tests/cluster/harness.py), once per module."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.browser.conftest import Server, seed
from tests.cluster.harness import Nginx, RedisServer, nginx_binary
from tests.conftest import need, postgres_schema

# the proxy's address as the node sees it (nginx connects to the node from loopback)
PROXY = "127.0.0.1"


@dataclass
class Behind:
    """A node behind nginx: clients use ``nginx.origin``; ``node`` may be restarted."""

    nginx: Nginx
    node: Server
    booths: dict[str, str]  # code -> secret


@pytest.fixture(scope="module")
def behind_nginx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Behind]:
    binary = nginx_binary()
    need(binary is not None, "nginx is not installed (scripts/install --test as root)")
    assert binary is not None
    with postgres_schema("cl") as db_url:
        booths = seed(db_url)
        workdir = tmp_path_factory.mktemp("node")
        node = Server(db_url, Path(workdir))
        nginx = Nginx(binary, [f"127.0.0.1:{node.port}"])
        node.env_extra = {
            "FINESTRETA_PUBLIC_URL": nginx.origin,
            "FINESTRETA_TRUSTED_PROXIES": PROXY,
        }
        node.booths = booths
        node.start()
        try:
            nginx.start()
            try:
                yield Behind(nginx, node, booths)
            finally:
                nginx.stop()
        finally:
            node.stop()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.kill()
