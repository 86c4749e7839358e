"""Frequency caps and quiet hours on the customer's own calendar; pure and deterministic.

The journey asks `decide` before every message and records the answer. Caps count messages in
the customer's local day or ISO week; a capped message is deferred to when the window rolls
over, or dropped, as its trigger says. A message due in quiet hours waits for their end. Tasks
and Slack alerts go to CS staff, not to the customer, so neither rule holds them back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from models.engagement import SentMessage
from models.triggers import Channel, FrequencyCap, Guardrails, QuietHours

STAFF_CHANNELS: frozenset[Channel] = frozenset({"task", "slack"})
MAX_DEFERRALS = 60
"""A cap that never frees (e.g. max below the messages already queued) cannot loop forever."""


class Decision(BaseModel):
    verdict: Literal["send", "defer", "drop"]
    at: datetime
    reason: str = ""


def _local_midnight(moment: datetime, zone: ZoneInfo) -> datetime:
    local = moment.astimezone(zone)
    return datetime.combine(local.date(), datetime.min.time(), tzinfo=zone)


def window(
    moment: datetime, zone: ZoneInfo, per: Literal["day", "week"]
) -> tuple[datetime, datetime]:
    """The local day (or Monday-to-Monday week) around `moment`, as UTC instants."""
    start = _local_midnight(moment, zone)
    if per == "week":
        start -= timedelta(days=start.weekday())
    end_date = start.date() + timedelta(days=1 if per == "day" else 7)
    end = datetime.combine(end_date, datetime.min.time(), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def quiet_until(moment: datetime, zone: ZoneInfo, quiet: QuietHours) -> datetime | None:
    """When the quiet hours around `moment` end, or None if `moment` is not in them."""
    local = moment.astimezone(zone)
    if not quiet.contains(local.time()):
        return None
    end_date = local.date()
    if quiet.start > quiet.end and local.time() >= quiet.start:
        end_date += timedelta(days=1)
    end = datetime.combine(end_date, quiet.end, tzinfo=zone)
    # Round-trip through UTC so a wall time inside a DST gap lands on a real instant.
    return end.astimezone(UTC)


def blocking_cap(
    sent: Sequence[SentMessage],
    channel: Channel,
    caps: Sequence[FrequencyCap],
    moment: datetime,
    zone: ZoneInfo,
) -> tuple[FrequencyCap, datetime] | None:
    """The first cap this message would break at `moment`, and when its window ends."""
    for cap in caps:
        if cap.channel not in ("any", channel):
            continue
        start, end = window(moment, zone, cap.per)
        counted = sum(
            1
            for message in sent
            if message.channel not in STAFF_CHANNELS
            and (cap.channel == "any" or message.channel == cap.channel)
            and start <= message.at < end
        )
        if counted >= cap.max:
            return cap, end
    return None


def decide(
    sent: Sequence[SentMessage],
    channel: Channel,
    guardrails: Guardrails,
    timezone: str,
    now: datetime,
    when_capped: Literal["defer", "drop"],
) -> Decision:
    """Send now, defer to a later moment, or drop, with the reason in words."""
    if channel in STAFF_CHANNELS:
        return Decision(verdict="send", at=now)
    zone = ZoneInfo(timezone)
    moment = now
    reasons: list[str] = []
    for _ in range(MAX_DEFERRALS):
        quiet = guardrails.quiet_hours
        until = quiet_until(moment, zone, quiet) if quiet else None
        if until is not None:
            reasons.append(f"quiet hours until {until.astimezone(zone):%a %H:%M} local")
            moment = until
            continue
        capped = blocking_cap(sent, channel, guardrails.caps, moment, zone)
        if capped is None:
            if moment == now:
                return Decision(verdict="send", at=now)
            return Decision(verdict="defer", at=moment, reason="; ".join(dict.fromkeys(reasons)))
        cap, window_end = capped
        limit = f"cap of {cap.max} {cap.channel} message(s) per {cap.per} reached"
        if when_capped == "drop":
            return Decision(verdict="drop", at=moment, reason=limit)
        reasons.append(limit)
        moment = window_end
    return Decision(verdict="drop", at=moment, reason="no send window within reach: " + reasons[-1])
