"""The dashboard in a real headless Chromium: sign-in, KPIs and charts with data, filters, the
customer detail timeline, a staff action round-tripping through the workflow, the CSV export."""

from __future__ import annotations

import csv
import io
import statistics
import uuid
from datetime import UTC, datetime
from pathlib import Path

from playwright.async_api import Browser, Page, expect
from sqlmodel import select

from core.db import get_engine, session_scope
from core.demo import DemoCustomer, backfill_weekly_scores, demo_portfolio, load_demo
from core.staff import create_account
from models.customer import Customer
from models.playbook import PlaybookRef
from models.staff import Role, StaffAccount
from tests.dashboard.conftest import Served
from tests.factories import default_playbook
from tests.helpers import assert_eq_eventually
from workflows.portfolio_workflow import PortfolioInput, PortfolioScoringWorkflow

CUSTOMERS = 40


async def loaded_portfolio(served: Served) -> list[DemoCustomer]:
    """The demo portfolio through the API, then wait until every journey has counted its events."""
    portfolio = demo_portfolio(CUSTOMERS, datetime.now(UTC), seed=3)
    await load_demo(served.http, portfolio)

    async def unprocessed() -> int:
        waiting = 0
        for customer in portfolio:
            body = await served.http.get(f"/v1/customers/{customer.attributes['customer_id']}")
            journey = body.json()["journey"]
            if journey is None or journey["events_processed"] < len(customer.events):
                waiting += 1
        return waiting

    await assert_eq_eventually(0, unprocessed, timeout=120, interval=1)
    # As `onboard demo` does: past weekly scores, then the portfolio run now.
    engine = get_engine(served.settings)
    playbook = default_playbook()
    ref = PlaybookRef(name=playbook.name, version=playbook.version)
    assert backfill_weekly_scores(engine, served.settings.default_tenant, ref, datetime.now(UTC))
    await served.temporal.execute_workflow(
        PortfolioScoringWorkflow.run,
        PortfolioInput(playbook=ref, tenant_ids=[served.settings.default_tenant]),
        id=f"portfolio-{uuid.uuid4()}",
        task_queue=served.settings.task_queue,
    )
    return portfolio


def staff_account(served: Served, email: str, role: Role) -> str:
    """A staff account of the test tenant; returns its password."""
    password = f"correct horse {email}"
    with session_scope(get_engine(served.settings)) as session:
        create_account(session, served.settings.default_tenant, email, email, role, password)
    return password


async def sign_in(page: Page, served: Served, email: str, password: str) -> None:
    await page.goto(f"{served.url}/dashboard")
    await expect(page).to_have_url(f"{served.url}/dashboard/login")
    await page.fill("#staff input[name=email]", email)
    await page.fill("#staff input[name=password]", "wrong password!")
    await page.click("#staff button[type=submit]")
    await expect(page.get_by_role("alert")).to_contain_text("Wrong email or password")
    await page.fill("#staff input[name=email]", email)
    await page.fill("#staff input[name=password]", password)
    await page.click("#staff button[type=submit]")
    await expect(page).to_have_url(f"{served.url}/dashboard")


async def kpi(page: Page, label: str) -> str:
    return (await page.locator(f'[data-kpi="{label}"]').inner_text()).strip()


async def test_the_dashboard_end_to_end(served: Served, browser: Browser, artifacts: Path) -> None:
    portfolio = await loaded_portfolio(served)
    page = await browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    password = staff_account(served, "kim@cs.example", Role.MANAGER)
    await sign_in(page, served, "kim@cs.example", password)

    # KPIs against values computed here, in plain Python, from the same stored customers.
    with session_scope(get_engine(served.settings)) as session:
        rows = session.exec(select(Customer)).all()
        stored = [(c.stage, c.risk_level, c.mrr, c.time_to_value_hours, c.plan) for c in rows]
    assert len(stored) == CUSTOMERS
    at_risk = [mrr or 0 for _, risk, mrr, _, _ in stored if risk == "at_risk"]
    ttv = [t for *_, t, _ in stored if t is not None]
    assert await kpi(page, "Customers") == str(CUSTOMERS)
    assert await kpi(page, "In onboarding") == str(sum(s != "graduated" for s, *_ in stored))
    assert await kpi(page, "At risk") == str(len(at_risk))
    assert await kpi(page, "At-risk MRR") == f"{sum(at_risk):,.0f}"
    assert await kpi(page, "Activation rate") == f"{len(ttv) / CUSTOMERS:.1%}"
    assert await kpi(page, "Median time to value (hours)") == f"{statistics.median(ttv):.1f}"
    assert int(await kpi(page, "Interventions sent this week")) > 0
    funnel = page.locator('svg[aria-label="Onboarding funnel"] rect')
    assert await funnel.count() == 7
    assert await funnel.first.get_attribute("data-value") == str(CUSTOMERS)
    risk_weeks = page.locator('svg[aria-label="Risk levels per week"] rect[data-level="healthy"]')
    assert await risk_weeks.count() >= 7  # seven weeks of history and this one
    heat = page.locator('svg[aria-label="Engagement heatmap"] rect[data-value]')
    assert sum([int(await heat.nth(i).get_attribute("data-value") or 0) for i in range(168)]) > 0
    await expect(page.locator("table.experiment")).to_contain_text("welcome_copy")
    await page.screenshot(path=artifacts / "overview.png", full_page=True)

    # A filter changes the numbers: only the team plan.
    team = [c for c in portfolio if c.attributes["plan"] == "team"]
    await page.select_option("select[name=plan]", "team")
    await page.click("form.filters button[type=submit]")
    await expect(page.locator('[data-kpi="Customers"]')).to_have_text(str(len(team)))

    # The customer list, searched and sorted, and its CSV under the same filters.
    await page.goto(f"{served.url}/dashboard/customers?plan=team&sort=customer_id&dir=asc")
    ids = sorted(c.attributes["customer_id"] for c in team)
    first_cells = page.locator("table.customers tbody tr td:first-child")
    assert await first_cells.all_inner_texts() == ids
    await page.screenshot(path=artifacts / "customers.png", full_page=True)
    async with page.expect_download() as download_info:
        await page.click("text=Export these customers (CSV)")
    download = await download_info.value
    exported = list(csv.DictReader(io.StringIO(Path(await download.path()).read_text())))
    assert [row["customer_id"] for row in exported] == ids
    assert {row["plan"] for row in exported} == {"team"}
    # Fresh without a reload: a customer created now shows up on the open page by itself.
    await page.goto(f"{served.url}/dashboard/customers?q=newcomer")
    assert await first_cells.all_inner_texts() == ["No customers match."]
    created = {"customer_id": "newcomer-1", "plan": "team"}
    assert (await served.http.post("/v1/customers", json=created)).status_code == 201
    await expect(first_cells.first).to_have_text("newcomer-1", timeout=10_000)

    await page.goto(f"{served.url}/dashboard/customers?plan=team&sort=customer_id&dir=asc")
    await page.fill("input[name=q]", ids[0])
    await page.click("form.filters button[type=submit]")
    assert await first_cells.all_inner_texts() == [ids[0]]

    # The detail page: journey, timeline; a staff action goes through the workflow and shows.
    chosen = next(
        c
        for c in portfolio
        if len(c.events) > 5 and all(e["name"] != "report.shared" for e in c.events)
    )
    customer_id = chosen.attributes["customer_id"]
    await page.goto(f"{served.url}/dashboard/customers/{customer_id}")
    timeline = page.locator("ol.timeline")
    await expect(timeline).to_contain_text(chosen.events[-1]["name"])
    await expect(page.locator('a:has-text("Temporal Web UI")')).to_have_attribute(
        "href",
        f"{served.settings.temporal_ui_url}/namespaces/default/workflows/"
        f"onboarding%2F{served.settings.default_tenant}%2F{customer_id}",
    )
    await page.screenshot(path=artifacts / "customer.png", full_page=True)
    # A forged CSRF token (a cross-site form would not know the real one) is refused.
    row = page.locator('tr[data-milestone="first_report"]')
    await row.locator("input[name=reason]").fill("forged")
    await row.locator("input[name=csrf]").evaluate("input => input.value = 'forged'")
    await row.locator("button").click()
    await expect(page.locator("body")).to_contain_text("the form is stale or forged")
    await page.goto(f"{served.url}/dashboard/customers/{customer_id}")
    await expect(row.locator("td:nth-child(3)")).not_to_have_text("done")
    await row.locator("input[name=reason]").fill("confirmed on the call")
    await row.locator("button").click()
    await expect(page.locator(".flash")).to_have_text("first_report marked reached")
    await expect(row.locator("td:nth-child(3)")).to_have_text("done")
    await expect(timeline).to_contain_text("Milestone reached: first_report")
    await page.fill('input[aria-label="pause reason"]', "renewal talks")
    await page.click("text=Pause messages")
    await expect(page.locator(".flash")).to_have_text("journey paused")
    await expect(page.locator('[data-field="paused"]')).to_contain_text("paused until")
    audit = page.locator("table.audit")
    await expect(audit).to_contain_text("dashboard:staff:kim@cs.example")
    await expect(audit).to_contain_text("POST /dashboard/customers/{customer_id}/journey/{action}")
    await expect(audit).to_contain_text("renewal talks")
    await expect(audit).not_to_contain_text(password)
    journey = (await served.http.get(f"/v1/customers/{customer_id}")).json()["journey"]
    assert [p["action"] for p in journey["pauses"]] == ["pause"]

    for name in ("tasks", "experiments"):
        await page.goto(f"{served.url}/dashboard/{name}")
        await expect(page.locator("h1")).to_contain_text(name.title())
        await page.screenshot(path=artifacts / f"{name}.png", full_page=True)


async def test_forms_need_their_csrf_token_and_pages_need_a_session(served: Served) -> None:
    anonymous = await served.http.get("/dashboard", headers={"Authorization": ""})
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/dashboard/login"
    login = await served.http.post("/dashboard/login", data={"api_key": served.admin_key})
    cookie = login.cookies["onboard_session"]
    assert "httponly" in login.headers["set-cookie"].lower()
    assert "samesite=strict" in login.headers["set-cookie"].lower()
    served.http.cookies.set("onboard_session", cookie)
    forged = await served.http.post(
        "/dashboard/customers/x/journey/pause", data={"reason": "x", "csrf": "forged"}
    )
    assert forged.status_code == 403
    page = await served.http.get("/dashboard/tasks")
    assert page.status_code == 200 and 'name="csrf"' in page.text


async def test_roles_sessions_and_disabled_accounts(
    served: Served, browser: Browser, artifacts: Path
) -> None:
    await served.http.post("/v1/customers", json={"customer_id": "acme", "name": "Acme"})
    viewer_password = staff_account(served, "val@cs.example", Role.VIEWER)
    page = await browser.new_page()
    await sign_in(page, served, "val@cs.example", viewer_password)
    await page.goto(f"{served.url}/dashboard/customers/acme")
    await expect(page.locator("h1")).to_contain_text("Acme")
    assert await page.locator("text=Pause messages").count() == 0  # a viewer only looks
    cookie = next(c for c in await page.context.cookies() if c["name"] == "onboard_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert cookie["value"].startswith("ons_")
    served.http.cookies.set("onboard_session", cookie["value"])
    page_html = (await served.http.get("/dashboard/tasks")).text
    csrf = page_html.split('name="csrf" value="')[1].split('"')[0]
    forbidden = await served.http.post(
        "/dashboard/customers/acme/journey/pause", data={"csrf": csrf, "reason": "x"}
    )
    assert forbidden.status_code == 403
    await page.screenshot(path=artifacts / "viewer.png")

    await page.click("text=Sign out")
    await expect(page).to_have_url(f"{served.url}/dashboard/login")
    replayed = await served.http.get("/dashboard")  # the old cookie, copied: dead
    assert replayed.status_code == 303

    with session_scope(get_engine(served.settings)) as session:
        account = session.exec(
            select(StaffAccount).where(StaffAccount.email == "val@cs.example")
        ).one()
        account.disabled_at = datetime.now(UTC)
        session.add(account)
    refused = await served.http.post(
        "/dashboard/login", data={"email": "val@cs.example", "password": viewer_password}
    )
    assert refused.status_code == 401
    stored = await served.http.get("/v1/audit")
    assert viewer_password not in stored.text
