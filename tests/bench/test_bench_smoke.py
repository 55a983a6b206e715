"""``make bench`` cannot rot: its smoke run (a couple of seconds per scenario, small
data) runs every scenario on both backends and writes every figure ``bench/results.json``
holds. The full run is for people; its figures are in the README.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ("create", "fetch", "list_10k", "list_1m")
FIGURES = {"rps", "p50_ms", "p99_ms", "pgbench_tps", "ratio", "errors"}

# It loads both cores for a while, so it runs with none beside it; and it needs the
# local PostgreSQL, wrk and pgbench (`make test` installs wrk).
pytestmark = [pytest.mark.alone, pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict:
    for tool in ("wrk", "pgbench"):
        if shutil.which(tool) is None:
            if os.environ.get("CI"):
                pytest.fail(f"{tool} is missing and CI is set (make bench-tools installs wrk)")
            pytest.skip(f"{tool} is not installed")
    out = tmp_path_factory.mktemp("bench") / "results.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--smoke", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    print(done.stdout)
    return json.loads(out.read_text())


def test_every_scenario_has_every_figure(results):
    for scenario in SCENARIOS:
        assert results[scenario].keys() >= FIGURES, scenario
        assert results[scenario]["rps"] > 0 and results[scenario]["pgbench_tps"] > 0, scenario
        assert results[scenario]["p50_ms"] <= results[scenario]["p99_ms"], scenario
    assert {"create", "fetch"} <= results["sqlite"].keys()


def test_every_answer_of_every_scenario_was_right(results):
    for scenario in SCENARIOS:
        assert results[scenario]["errors"] == 0, (scenario, results[scenario]["first_failure"])
        assert results[scenario]["requests"] > 0, scenario
    for scenario, figures in results["sqlite"].items():
        assert figures["errors"] == 0, (scenario, figures["first_failure"])


def test_each_create_wrote_its_order_its_event_its_key_and_its_audit_record(results):
    written = results["written_by_creates"]
    # Counted in one snapshot: every committed create wrote one of each.
    assert written["orders"] == written["order_events"] == written["idempotency_keys"]
    assert written["audit_events"] == written["orders"]
    assert written["orders"] >= results["creates_answered"] > 0


def test_each_fetch_wrote_its_audit_record_and_nothing_else(results):
    written = results["written_by_fetches"]
    assert written["audit_events"] >= results["fetches_answered"] > 0
    assert written["orders"] == written["order_events"] == written["idempotency_keys"] == 0


def test_the_large_list_ran_on_the_orders_loaded_by_sql(results):
    assert results["orders_at_end"] >= 40_000
    assert results["worker_rss_mb"] and len(results["worker_rss_mb"]) == results["workers"]
