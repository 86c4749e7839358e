"""`onboard dev` as a newcomer runs it: starts everything, keeps data across restarts, and
leaves no process behind; `onboard playbooks check` explains a broken file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from bench.synthetic import as_import_rows, generate
from core.processes import free_port

START_TIMEOUT = 120.0
STOP_TIMEOUT = 40.0
# The first requests to a just-started stack can be slow on 2 loaded cores; the default is 5 s.
http = httpx.Client(timeout=30.0)


def descendants(pid: int) -> set[int]:
    """Every process below `pid`, from /proc (children keep their parent even in new sessions)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def dev_env_vars(tmp_path: Path) -> Iterator[dict[str, str]]:
    yield {
        **os.environ,
        "DATA_DIR": str(tmp_path / "data"),
        "TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
        "TEMPORAL_UI_PORT": str(free_port()),
        "API_PORT": str(free_port()),
        "SMTP_PORT": str(free_port()),
    }


def start_dev(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    log = Path(env["DATA_DIR"]).parent / f"onboard-dev-{time.monotonic_ns()}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "onboard", "dev"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    api = f"http://127.0.0.1:{env['API_PORT']}"
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        assert process.poll() is None, (
            f"onboard dev exited early with {process.returncode}: {log.read_text()[-3000:]}"
        )
        try:
            if http.get(f"{api}/healthz", timeout=2).status_code == 200:
                return process, api
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    process.kill()
    raise AssertionError("onboard dev did not become healthy")


def stop_dev(process: subprocess.Popen[bytes], signum: signal.Signals) -> set[int]:
    """Stop it the way a person or an init system would; returns what it had started."""
    started = descendants(process.pid)
    assert started, "onboard dev started no processes"
    process.send_signal(signum)
    assert process.wait(timeout=STOP_TIMEOUT) == 0
    return started


def dev_key(env: dict[str, str]) -> dict[str, str]:
    token = (Path(env["DATA_DIR"]) / "dev-api-key").read_text().strip()
    return {"Authorization": f"Bearer {token}"}


def test_dev_runs_the_product_stops_cleanly_and_keeps_data(dev_env_vars: dict[str, str]) -> None:
    process, api = start_dev(dev_env_vars)
    key = dev_key(dev_env_vars)
    try:
        assert http.get(f"{api}/v1/customers").status_code == 401
        created = http.post(
            f"{api}/v1/customers",
            json={"customer_id": "acme", "email": "ops@acme.example"},
            headers=key,
        )
        assert created.status_code == 201, created.text
        event = {
            "event_id": "e1",
            "customer_id": "acme",
            "name": "project.created",
            "occurred_at": datetime.now(UTC).isoformat(),
            "properties": {},
        }
        assert http.post(f"{api}/v1/events", json=event, headers=key).status_code == 202
        ui = http.get(f"http://127.0.0.1:{dev_env_vars['TEMPORAL_UI_PORT']}/", timeout=10)
        assert ui.status_code == 200
    finally:
        started = stop_dev(process, signal.SIGINT)
    assert [pid for pid in started if alive(pid)] == []

    process, api = start_dev(dev_env_vars)
    assert dev_key(dev_env_vars) == key, "a restart keeps the dev key"
    try:
        deadline = time.monotonic() + 30
        journey = None
        while journey is None or journey["events_processed"] < 1:
            assert time.monotonic() < deadline, f"journey did not come back: {journey}"
            journey = http.get(f"{api}/v1/customers/acme", headers=key).json()["journey"]
            time.sleep(0.3)
        assert [m["key"] for m in journey["milestones"] if m["state"] == "done"] == [
            "first_project"
        ]
    finally:
        started = stop_dev(process, signal.SIGTERM)
    assert [pid for pid in started if alive(pid)] == []


def test_demo_loads_a_portfolio_the_dashboard_shows(dev_env_vars: dict[str, str]) -> None:
    process, api = start_dev(dev_env_vars)
    try:
        loaded = subprocess.run(
            [sys.executable, "-m", "onboard", "demo", "--customers", "20", "--seed", "1"],
            env=dev_env_vars,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert loaded.returncode == 0, loaded.stderr
        assert "demo: 20 customers" in loaded.stdout
        history = int(loaded.stdout.split(" past weekly scores")[0].rsplit(" ", 1)[1])
        assert 0 < history < 20 * 7  # only customers already signed up on each Monday
        password = (Path(dev_env_vars["DATA_DIR"]) / "dev-staff-password").read_text().strip()
        with httpx.Client(timeout=30) as browser_like:
            signed_in = browser_like.post(
                f"{api}/dashboard/login",
                data={"email": "admin@onboard.localhost", "password": password},
            )
            assert signed_in.status_code == 303, signed_in.text
            page = browser_like.get(f"{api}/dashboard")
        assert page.status_code == 200
        assert 'data-kpi="Customers">20<' in page.text
    finally:
        stop_dev(process, signal.SIGTERM)


def run_onboard(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "onboard", *args], capture_output=True, text=True, timeout=60
    )


def test_playbooks_check_lists_versions() -> None:
    result = run_onboard("playbooks", "check")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("default\t")


def test_playbooks_check_names_file_and_path_of_an_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "name: broken\n"
        "activation_milestone: a\n"
        "milestones:\n"
        "  - {key: a, title: A, event: e, points: x}\n"
    )
    result = run_onboard("playbooks", "check", str(tmp_path))
    assert result.returncode == 1
    assert str(broken) in result.stderr
    assert "milestones[0].points" in result.stderr


def test_backtest_command_reports_per_horizon(tmp_path: Path) -> None:
    history = tmp_path / "history.jsonl"
    history.write_text(
        "".join(json.dumps(row) + "\n" for row in as_import_rows(generate(40, seed=4)))
    )
    env = {**os.environ, "DATA_DIR": str(tmp_path / "data"), "DEFAULT_TENANT": "hist"}
    imported = subprocess.run(
        [sys.executable, "-m", "onboard", "import", str(history)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert imported.returncode == 0, imported.stderr
    report = subprocess.run(
        [sys.executable, "-m", "onboard", "backtest"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert report.returncode == 0, report.stderr
    lines = report.stdout.splitlines()
    assert lines[0].startswith("40 customers with an outcome:")
    assert [line.split()[0] for line in lines[1:] if line.strip()[:2].isdigit()] == [
        "30",
        "60",
        "90",
    ]


def test_keys_are_created_listed_and_revoked(tmp_path: Path) -> None:
    env = {**os.environ, "DATA_DIR": str(tmp_path / "data")}

    def keys(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "onboard", "keys", *args],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )

    created = keys("create", "--tenant", "acme", "--name", "backend", "--scope", "ingest")
    assert created.returncode == 0, created.stderr
    token = created.stdout.splitlines()[1]
    assert token.startswith("onb_") and "not shown again" in created.stderr
    listed = keys("list")
    assert token not in listed.stdout and token[:12] in listed.stdout
    assert "\tacme\tbackend\t" in listed.stdout and listed.stdout.rstrip().endswith("-")
    assert keys("revoke", "1").stdout.startswith("key 1 (")
    assert not keys("list").stdout.rstrip().endswith("-")
    assert keys("revoke", "99").returncode == 1
    bad = keys("create", "--tenant", "Bad Tenant", "--name", "x", "--scope", "read")
    assert bad.returncode == 1 and "tenant id" in bad.stderr


def test_staff_accounts_are_created_listed_and_disabled(tmp_path: Path) -> None:
    def staff(
        *args: str, password: str = "a long enough passphrase"
    ) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "DATA_DIR": str(tmp_path / "data"), "ONBOARD_STAFF_PASSWORD": password}
        return subprocess.run(
            [sys.executable, "-m", "onboard", "staff", *args],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )

    created = staff("create", "--email", "Kim@CS.example", "--name", "Kim", "--role", "manager")
    assert created.returncode == 0, created.stderr
    assert "kim@cs.example (manager)" in created.stdout
    again = staff("create", "--email", "kim@cs.example", "--name", "Kim", "--role", "viewer")
    assert again.returncode == 1 and "exists already" in again.stderr
    short = staff(
        "create", "--email", "x@cs.example", "--name", "X", "--role", "viewer", password="short"
    )
    assert short.returncode == 1 and "at least 12 characters" in short.stderr
    listed = staff("list")
    assert "kim@cs.example\tKim\tmanager\t-" in listed.stdout
    assert "passphrase" not in listed.stdout and "argon2" not in listed.stdout
    assert staff("disable", "1").stdout.startswith("staff account 1 (kim@cs.example) disabled")
    assert staff("disable", "9").returncode == 1
