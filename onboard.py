"""The `onboard` command: `dev` runs it all locally; `worker` and `api` are production halves."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
import time
from pathlib import Path

from core.config import Settings, get_settings

log = logging.getLogger("onboard")
DEV_KEY_FILE = "dev-api-key"
DEV_STAFF_FILE = "dev-staff-password"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="onboard", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    dev = commands.add_parser("dev", help="Temporal dev server + worker + API + mail sink")
    dev.add_argument(
        "--no-mail-sink", action="store_true", help="send mail to SMTP_HOST:SMTP_PORT as set"
    )
    dev.add_argument("--demo", action="store_true", help="load the demo portfolio once it is up")
    demo = commands.add_parser(
        "demo", help="load a synthetic portfolio into a running Onboard through its API"
    )
    demo.add_argument("--customers", type=int, default=300)
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--url", help="default: http://API_HOST:API_PORT")
    demo.add_argument("--key", help="an admin API key; default: the one `onboard dev` keeps")
    commands.add_parser("worker", help="run a worker against TEMPORAL_ADDRESS and DATABASE_URL")
    commands.add_parser("api", help="run the HTTP API on API_HOST:API_PORT")
    commands.add_parser("mailsink", help="run only the local SMTP mail sink")
    backfill = commands.add_parser(
        "import", help="load historical events and outcomes (CSV or JSON Lines), firing nothing"
    )
    backfill.add_argument("file", type=Path)
    backfill.add_argument("--tenant", help="default: DEFAULT_TENANT")
    backtest = commands.add_parser("backtest", help="how the score did before recorded outcomes")
    backtest.add_argument("--tenant", help="default: DEFAULT_TENANT")
    playbooks = commands.add_parser("playbooks", help="playbook tools")
    playbook_commands = playbooks.add_subparsers(dest="playbook_command", required=True)
    check = playbook_commands.add_parser("check", help="validate playbook files")
    check.add_argument("directory", nargs="?", type=Path, help="default: PLAYBOOK_DIR")
    keys = commands.add_parser("keys", help="API keys: create, list, revoke")
    key_commands = keys.add_subparsers(dest="key_command", required=True)
    create = key_commands.add_parser("create", help="create a key; its secret is shown once")
    create.add_argument("--tenant", help="default: DEFAULT_TENANT")
    create.add_argument("--name", required=True, help="what the key is for")
    create.add_argument(
        "--scope",
        action="append",
        choices=["ingest", "read", "admin"],
        required=True,
        help="repeat for several scopes",
    )
    listing = key_commands.add_parser("list", help="list keys (never their secrets)")
    listing.add_argument("--tenant", help="default: every tenant")
    revoke = key_commands.add_parser("revoke", help="revoke a key at once")
    revoke.add_argument("key_id", type=int)

    staff = commands.add_parser("staff", help="dashboard staff accounts: create, list, disable")
    staff_commands = staff.add_subparsers(dest="staff_command", required=True)
    add_staff = staff_commands.add_parser(
        "create", help="create an account (password from ONBOARD_STAFF_PASSWORD or a prompt)"
    )
    add_staff.add_argument("--tenant", help="default: DEFAULT_TENANT")
    add_staff.add_argument("--email", required=True)
    add_staff.add_argument("--name", required=True)
    add_staff.add_argument("--role", choices=["viewer", "manager", "admin"], required=True)
    staff_commands.add_parser("list", help="list accounts")
    disable = staff_commands.add_parser("disable", help="disable an account at once")
    disable.add_argument("staff_id", type=int)

    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    settings = get_settings()
    if args.command == "dev":
        sys.exit(run_dev(settings, mail_sink=not args.no_mail_sink, demo=args.demo))
    elif args.command == "demo":
        sys.exit(run_demo(settings, args.customers, args.seed, args.url, args.key))
    elif args.command == "worker":
        run_worker_until_stopped(settings)
    elif args.command == "api":
        run_api(settings)
    elif args.command == "mailsink":
        run_mail_sink(settings)
    elif args.command == "import":
        sys.exit(import_file(settings, args.file, args.tenant or settings.default_tenant))
    elif args.command == "backtest":
        sys.exit(print_backtest(settings, args.tenant or settings.default_tenant))
    elif args.command == "playbooks":
        sys.exit(check_playbooks(args.directory or settings.playbook_dir, settings.template_dir))
    elif args.command == "staff":
        from core.staff_commands import run_staff

        sys.exit(run_staff(settings, args))
    elif args.command == "keys":
        from core.key_commands import run_keys

        sys.exit(run_keys(settings, args))


def check_playbooks(directory: Path, template_dir: Path) -> int:
    from core.playbooks import PlaybookError, check_templates, load_playbook_dir

    try:
        playbooks = load_playbook_dir(directory)
        check_templates(playbooks, template_dir)
    except PlaybookError as err:
        print(err, file=sys.stderr)
        return 1
    if not playbooks:
        print(f"{directory}: no playbook files (*.yaml)", file=sys.stderr)
        return 1
    for playbook in playbooks.values():
        print(f"{playbook.name}\t{playbook.version}\t{len(playbook.milestones)} milestones")
    return 0


def import_file(settings: Settings, path: Path, tenant: str) -> int:
    from core.backfill import BackfillError, import_events, parse_events
    from core.db import get_engine, migrate

    started = time.perf_counter()
    try:
        events = parse_events(path)
    except (BackfillError, OSError) as err:
        print(f"onboard import: {err}", file=sys.stderr)
        return 1
    migrate(settings)
    result = import_events(get_engine(settings), tenant, events)
    print(
        f"imported {result.inserted:,} of {result.rows:,} events for tenant {tenant!r} "
        f"({result.duplicates:,} already there, {result.customers_created:,} new customers) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return 0


def print_backtest(settings: Settings, tenant: str) -> int:
    from sqlmodel import Session

    from activities.health_backtest import backtest, load_outcome_histories
    from core.db import get_engine, migrate
    from core.playbooks import sync_playbooks

    migrate(settings)
    engine = get_engine(settings)
    playbook = sync_playbooks(engine, settings.playbook_dir, settings.template_dir)[
        settings.default_playbook
    ]
    with Session(engine) as session:
        report = backtest(load_outcome_histories(session, tenant), playbook.health)
    print(
        f"{report.customers_with_outcome} customers with an outcome: "
        f"{report.churned} churned, {report.renewed} renewed"
    )
    if report.note:
        print(report.note)
    print("days before outcome   customers  churned  ROC AUC  at-risk precision  at-risk recall")
    for h in report.horizons:
        print(
            f"{h.days:>19}   {h.customers:>9}  {h.churned:>7}  {_fmt(h.roc_auc):>7}  "
            f"{_fmt(h.at_risk_precision):>17}  {_fmt(h.at_risk_recall):>14}"
        )
    return 0


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def run_worker_until_stopped(settings: Settings) -> None:
    """Run the worker; SIGTERM or Ctrl-C cancels it, which lets in-flight tasks finish cleanly."""
    from worker import run_worker

    async def supervised() -> None:
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, task.cancel if task else lambda: None)
        try:
            await run_worker(settings)
        except asyncio.CancelledError:
            log.info("worker stopped")

    asyncio.run(supervised())


def run_api(settings: Settings) -> None:
    import uvicorn

    uvicorn.run(
        "api.main:create_app",
        factory=True,
        host=settings.api_host,
        port=settings.api_port,
        log_level="info",
    )


def run_mail_sink(settings: Settings) -> None:
    from core.mailsink import start_mail_sink

    controller = start_mail_sink(settings.smtp_host, settings.smtp_port, settings.data_dir / "mail")
    print(f"mail sink on {settings.smtp_host}:{settings.smtp_port} → {settings.data_dir / 'mail'}")
    try:
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    finally:
        controller.stop()


def run_demo(
    settings: Settings, customers: int, seed: int, url: str | None, key: str | None
) -> int:
    """Load the demo portfolio through the API (it must be running)."""
    import httpx
    from temporalio.service import RPCError

    from core.demo import DemoLoaded, demo_portfolio, load_demo
    from models.timeutil import utc_now

    base = url or f"http://{settings.api_host}:{settings.api_port}"
    key_file = settings.data_dir / DEV_KEY_FILE
    token = key or (key_file.read_text().strip() if key_file.exists() else None)
    if token is None:
        print(f"onboard demo: pass --key (no {key_file})", file=sys.stderr)
        return 1
    headers = {"Authorization": f"Bearer {token}"}

    async def send() -> DemoLoaded:
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as http:
            return await load_demo(http, demo_portfolio(customers, utc_now(), seed))

    try:
        loaded = asyncio.run(send())
        history = _demo_score_history(settings)
    except (httpx.HTTPError, RPCError) as err:
        print(f"onboard demo: {err}", file=sys.stderr)
        return 1
    print(
        f"demo: {loaded.customers} customers and {loaded.events} events sent, "
        f"{history} past weekly scores; "
        f"open {base}/dashboard",
        flush=True,
    )
    return 0


def _demo_score_history(settings: Settings) -> int:
    """Past weekly scores, then tonight's portfolio run at once (its schedule, triggered), so
    the journeys see scores computed on the history just loaded."""
    from core.db import get_engine
    from core.demo import backfill_weekly_scores
    from core.playbooks import load_playbook_dir
    from core.schedules import PORTFOLIO_SCHEDULE_ID
    from core.temporal import connect
    from models.playbook import PlaybookRef
    from models.timeutil import utc_now

    playbook = load_playbook_dir(settings.playbook_dir)[settings.default_playbook]
    ref = PlaybookRef(name=playbook.name, version=playbook.version)
    scored = backfill_weekly_scores(get_engine(settings), settings.default_tenant, ref, utc_now())

    async def trigger() -> None:
        client = await connect(settings)
        await client.get_schedule_handle(PORTFOLIO_SCHEDULE_ID).trigger()

    asyncio.run(trigger())
    return scored


def _wait_for_api(settings: Settings, timeout: float = 60.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    url = f"http://{settings.api_host}:{settings.api_port}/healthz"
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError("the API did not come up")


def run_dev(settings: Settings, *, mail_sink: bool, demo: bool = False) -> int:
    """Start everything, print where it is, and stop all of it on Ctrl-C or SIGTERM."""
    from core.api_keys import ensure_dev_key
    from core.db import get_engine, migrate, session_scope
    from core.devserver import start_dev_server, wait_until_ready
    from core.mailsink import start_mail_sink
    from core.playbooks import PlaybookError, sync_playbooks
    from core.processes import Child, spawn, stop
    from core.staff import ensure_dev_staff

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    data_dir = settings.data_dir.resolve()
    try:
        migrate(settings)
        sync_playbooks(get_engine(settings), settings.playbook_dir, settings.template_dir)
        with session_scope(get_engine(settings)) as session:
            dev_key = ensure_dev_key(session, settings.default_tenant, data_dir / DEV_KEY_FILE)
            staff = ensure_dev_staff(session, settings.default_tenant, data_dir / DEV_STAFF_FILE)
    except PlaybookError as err:
        print(err, file=sys.stderr)
        return 1
    env = {**os.environ, "DATA_DIR": str(data_dir)}
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _stop_once)

    children: list[Child] = []
    controller = None
    try:
        server = start_dev_server(settings, env)
        children.append(server)
        wait_until_ready(settings, server)
        if mail_sink:
            controller = start_mail_sink(settings.smtp_host, settings.smtp_port, data_dir / "mail")
        me = [sys.executable, "-m", "onboard"]
        children.append(spawn("worker", [*me, "worker"], env))
        children.append(spawn("api", [*me, "api"], env))
        print_urls(settings, data_dir, mail_sink, dev_key, staff)
        if demo:
            _wait_for_api(settings)
            demo_settings = settings.model_copy(update={"data_dir": data_dir})
            if run_demo(demo_settings, 300, 7, None, dev_key) != 0:
                return 1
        while True:
            dead = next((c for c in children if not c.running()), None)
            if dead is not None:
                print(
                    f"onboard dev: {dead.name} exited with code {dead.process.returncode}; "
                    "stopping the rest",
                    file=sys.stderr,
                )
                return 1
            time.sleep(0.3)
    except KeyboardInterrupt:
        print("\nonboard dev: stopping…", file=sys.stderr)
        return 0
    except (RuntimeError, TimeoutError, OSError) as err:
        print(f"onboard dev: {err}", file=sys.stderr)
        return 1
    finally:
        # The API and worker first, so they finish their work while Temporal is still up.
        stop([c for c in children if c.name != "temporal"])
        stop([c for c in children if c.name == "temporal"])
        if controller is not None:
            controller.stop()


def _stop_once(_signum: int, _frame: object) -> None:
    """First Ctrl-C or SIGTERM stops `onboard dev`; later ones must not interrupt the cleanup."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


def print_urls(
    settings: Settings, data_dir: Path, mail_sink: bool, dev_key: str, staff: tuple[str, str]
) -> None:
    api = f"http://{settings.api_host}:{settings.api_port}"
    lines = [
        "",
        "Onboard is running. Ctrl-C stops everything.",
        f"  API              {api}",
        f"  dashboard        {api}/dashboard  (sign in: {staff[0]} / {staff[1]})",
        f"  API docs         {api}/docs",
        f"  Temporal Web UI  {settings.temporal_ui_url}",
        f"  Temporal gRPC    {settings.temporal_address}",
        f"  data             {data_dir}",
        f"  API key (admin)  {dev_key}  (also in {data_dir / DEV_KEY_FILE})",
    ]
    if mail_sink:
        lines.append(
            f"  mail sink        {settings.smtp_host}:{settings.smtp_port} → {data_dir / 'mail'}"
        )
    print("\n".join(lines) + "\n", flush=True)


if __name__ == "__main__":
    main()
