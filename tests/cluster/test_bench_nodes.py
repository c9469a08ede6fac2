"""``bench/nodes.py --quick`` as CI's smoke of the cluster benchmark: a single node, two cluster
nodes on a private redis-server, a node killed with -9 under live calls and waiting citizens, idle
sockets. Only what must hold on any machine is asserted: no request lost, no offer overlapping
another of the same clerk or request (timings on a shared 2-core runner are noise)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PG_URL, need

pytestmark = [pytest.mark.cluster, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]


def test_quick_cluster_bench_loses_nothing_and_offers_nothing_twice() -> None:
    need(bool(PG_URL), "FINESTRETA_TEST_DATABASE_URL is not set (PostgreSQL tests)")
    need(
        shutil.which("redis-server") is not None or Path("/usr/bin/redis-server").exists(),
        "redis-server is not installed",
    )
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "nodes.py"), "--quick", "--pg-url", PG_URL],
        capture_output=True,
        text=True,
        timeout=280,
        cwd=ROOT,
    )
    print(run.stdout[-6000:], run.stderr[-3000:])
    figures = json.loads(run.stdout.strip().splitlines()[-1])
    assert figures["lost_requests"] == 0
    assert figures["double_offers"] == 0
