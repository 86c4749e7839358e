"""Frequency caps and quiet hours on the customer's calendar, across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from models.engagement import SentMessage
from models.triggers import Channel, FrequencyCap, Guardrails, QuietHours
from workflows.guardrails import decide, quiet_until, window

BERLIN = "Europe/Berlin"
QUIET = QuietHours(start=time(21), end=time(8))
RULES = Guardrails(
    caps=[FrequencyCap(channel="email", max=1, per="day"), FrequencyCap(max=3, per="week")],
    quiet_hours=QUIET,
)
DAILY_EMAIL_CAP = "cap of 1 email message(s) per day reached"


def at(text: str, zone: str = BERLIN) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def sent(channel: Channel, when: datetime) -> SentMessage:
    return SentMessage(channel=channel, at=when, trigger="t")


def test_a_message_in_the_day_goes_now() -> None:
    now = at("2026-11-24T10:00")
    assert decide([], "email", RULES, BERLIN, now, "defer").verdict == "send"


def test_a_night_time_message_waits_for_the_local_morning() -> None:
    decision = decide([], "email", RULES, BERLIN, at("2026-11-24T23:30"), "defer")
    assert (decision.verdict, decision.at) == ("defer", at("2026-11-25T08:00"))
    assert decision.reason == "quiet hours until Wed 08:00 local"
    early = decide([], "inapp", RULES, BERLIN, at("2026-11-25T06:00"), "drop")
    assert early.at == at("2026-11-25T08:00")  # quiet hours defer even a 'drop' trigger


def test_quiet_hours_end_at_local_eight_across_the_dst_change() -> None:
    # Berlin moves to summer time at 02:00 on 29 March 2026: 08:00 local is 06:00 UTC that day.
    spring = quiet_until(at("2026-03-28T22:00"), ZoneInfo(BERLIN), QUIET)
    assert spring == datetime(2026, 3, 29, 6, tzinfo=UTC)
    autumn = quiet_until(at("2026-10-24T22:00"), ZoneInfo(BERLIN), QUIET)
    assert autumn == datetime(2026, 10, 25, 7, tzinfo=UTC)


def test_the_daily_email_cap_defers_to_the_next_local_morning_or_drops() -> None:
    noon = at("2026-11-24T12:00")
    history = [sent("email", at("2026-11-24T09:00"))]
    deferred = decide(history, "email", RULES, BERLIN, noon, "defer")
    # The cap frees at local midnight, which is quiet; so the next morning at 08:00.
    assert (deferred.verdict, deferred.at) == ("defer", at("2026-11-25T08:00"))
    assert deferred.reason.startswith(f"{DAILY_EMAIL_CAP}; quiet hours")
    dropped = decide(history, "email", RULES, BERLIN, noon, "drop")
    assert (dropped.verdict, dropped.reason) == (
        "drop",
        "cap of 1 email message(s) per day reached",
    )
    assert decide(history, "inapp", RULES, BERLIN, noon, "defer").verdict == "send"


def test_three_triggers_on_one_day_respect_the_caps() -> None:
    """Three emails fall due on Monday: one goes, the next two roll to Tuesday and Wednesday."""
    history: list[SentMessage] = []
    monday = at("2026-11-23T10:00")
    outcomes = []
    for _ in range(3):
        decision = decide(history, "email", RULES, BERLIN, monday, "defer")
        outcomes.append(decision.at.astimezone(ZoneInfo(BERLIN)).strftime("%a %H:%M"))
        history.append(sent("email", decision.at))
    assert outcomes == ["Mon 10:00", "Tue 08:00", "Wed 08:00"]
    # The weekly cap of 3 (any channel) then holds even an in-app message until next Monday.
    fourth = decide(history, "inapp", RULES, BERLIN, at("2026-11-26T10:00"), "defer")
    assert fourth.at == at("2026-11-30T08:00")


def test_tasks_for_staff_ignore_caps_and_quiet_hours() -> None:
    full = [sent("email", at("2026-11-24T09:00"))] * 3
    assert decide(full, "task", RULES, BERLIN, at("2026-11-24T23:00"), "drop").verdict == "send"


def test_weeks_are_monday_to_monday_in_local_time() -> None:
    start, end = window(at("2026-11-26T10:00"), ZoneInfo(BERLIN), "week")
    assert (start, end) == (at("2026-11-23T00:00"), at("2026-11-30T00:00"))
    assert end - start == timedelta(days=7)
