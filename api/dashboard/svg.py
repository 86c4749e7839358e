"""Charts as inline SVG, drawn on the server: no script, no CDN, readable without JavaScript."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

from core.dashboard.charts import RISK_LEVELS, Bar, WeekRisk
from core.dashboard.timeline import ScorePoint

COLOURS = {"healthy": "#16a34a", "watch": "#d97706", "at_risk": "#dc2626"}
BAR = "#2563eb"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _svg(label: str, width: int, height: int, body: str) -> Markup:
    return Markup(
        f'<svg class="chart" role="img" aria-label="{escape(label)}" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMidYMid meet">'
        f"<title>{escape(label)}</title>{body}</svg>"
    )


def column_chart(
    label: str, bars: Sequence[Bar], shown: Callable[[float], str] = lambda v: f"{v:g}"
) -> Markup:
    """Vertical bars with the label under each and the value on top."""
    width, height, base = 520, 220, 180
    top = max((b.value for b in bars), default=0) or 1
    step = width / max(len(bars), 1)
    parts = [f'<line x1="0" y1="{base}" x2="{width}" y2="{base}" stroke="#9ca3af"/>']
    for i, bar in enumerate(bars):
        h = 150 * bar.value / top
        x = i * step + step * 0.15
        w = step * 0.7
        tip = f"{bar.label}: {shown(bar.value)}" + (f" ({bar.note})" if bar.note else "")
        parts.append(
            f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{BAR}" '
            f'data-label="{escape(bar.label)}" data-value="{bar.value:g}">'
            f"<title>{escape(tip)}</title></rect>"
            f'<text x="{x + w / 2:.1f}" y="{base - h - 4:.1f}" text-anchor="middle" '
            f'font-size="11">{escape(shown(bar.value))}</text>'
            f'<text x="{x + w / 2:.1f}" y="{base + 14}" text-anchor="middle" font-size="10">'
            f"{escape(bar.label)}</text>"
        )
    return _svg(label, width, height, "".join(parts))


def bar_list(
    label: str, bars: Sequence[Bar], shown: Callable[[float], str] = lambda v: f"{v:g}"
) -> Markup:
    """Horizontal bars, one per row: funnels and per-trigger results."""
    row, width = 26, 520
    top = max((b.value for b in bars), default=0) or 1
    parts = []
    for i, bar in enumerate(bars):
        y = i * row
        w = 280 * bar.value / top
        parts.append(
            f'<text x="0" y="{y + 17}" font-size="12">{escape(bar.label[:34])}</text>'
            f'<rect x="200" y="{y + 4}" width="{w:.1f}" height="{row - 8}" fill="{BAR}" '
            f'data-label="{escape(bar.label)}" data-value="{bar.value:g}">'
            f"<title>{escape(bar.label)}: {escape(shown(bar.value))}</title></rect>"
            f'<text x="{206 + w:.1f}" y="{y + 17}" font-size="12">{escape(shown(bar.value))}'
            f"{escape(' · ' + bar.note) if bar.note else ''}</text>"
        )
    return _svg(label, width, max(row * len(bars), row), "".join(parts))


def stacked_weeks(label: str, weeks: Sequence[WeekRisk]) -> Markup:
    """Per week, one bar split by risk level."""
    width, base = 520, 180
    top = max((sum(w.counts.values()) for w in weeks), default=0) or 1
    step = width / max(len(weeks), 1)
    parts = []
    for i, week in enumerate(weeks):
        y = float(base)
        for level in RISK_LEVELS:
            h = 150 * week.counts[level] / top
            y -= h
            parts.append(
                f'<rect x="{i * step + step * 0.15:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" '
                f'height="{h:.1f}" fill="{COLOURS[level]}" data-week="{week.week}" '
                f'data-level="{level}" data-value="{week.counts[level]}"><title>'
                f"{week.week} {level}: {week.counts[level]}</title></rect>"
            )
        parts.append(
            f'<text x="{i * step + step / 2:.1f}" y="{base + 14}" text-anchor="middle" '
            f'font-size="10">{escape(week.week[5:])}</text>'
        )
    legend = "".join(
        f'<rect x="{10 + i * 90}" y="200" width="10" height="10" fill="{COLOURS[level]}"/>'
        f'<text x="{24 + i * 90}" y="209" font-size="11">{level}</text>'
        for i, level in enumerate(RISK_LEVELS)
    )
    return _svg(label, width, 215, "".join(parts) + legend)


def heatmap(label: str, grid: Sequence[Sequence[int]]) -> Markup:
    """Weekday rows, hour columns; darker is busier."""
    cell, left, top_margin = 19, 36, 14
    top = max((max(row) for row in grid), default=0) or 1
    parts = [
        f'<text x="{left + h * cell + cell / 2}" y="10" text-anchor="middle" '
        f'font-size="9">{h}</text>'
        for h in range(0, 24, 3)
    ]
    for d, row in enumerate(grid):
        parts.append(
            f'<text x="0" y="{top_margin + d * cell + 13}" font-size="11">{WEEKDAYS[d]}</text>'
        )
        for h, count in enumerate(row):
            shade = 0.06 + 0.94 * count / top
            parts.append(
                f'<rect x="{left + h * cell}" y="{top_margin + d * cell}" width="{cell - 1}" '
                f'height="{cell - 1}" fill="{BAR}" fill-opacity="{shade:.2f}" '
                f'data-value="{count}"><title>{WEEKDAYS[d]} {h:02d}:00 UTC: {count} events'
                "</title></rect>"
            )
    return _svg(label, left + 24 * cell, top_margin + 7 * cell, "".join(parts))


def score_line(label: str, points: Sequence[ScorePoint]) -> Markup:
    """Health score over time on a fixed 0–100 scale, with the risk bands behind it."""
    width, height = 520, 180
    if not points:
        return _svg(label, width, 40, '<text x="0" y="24" font-size="12">No scores yet.</text>')
    first, last = points[0].at, points[-1].at
    span = (last - first).total_seconds() or 1

    def xy(point: ScorePoint) -> str:
        x = 30 + (width - 40) * (point.at - first).total_seconds() / span
        return f"{x:.1f},{height - 20 - (height - 30) * point.score / 100:.1f}"

    line = " ".join(xy(p) for p in points)
    dots = "".join(
        f'<circle cx="{xy(p).split(",")[0]}" cy="{xy(p).split(",")[1]}" r="2.5" fill="{BAR}" '
        f'data-value="{p.score:.1f}"><title>{p.at:%Y-%m-%d %H:%M}: {p.score:.0f}</title></circle>'
        for p in points
    )
    axis = "".join(
        f'<text x="0" y="{height - 16 - (height - 30) * v / 100:.1f}" font-size="10">{v}</text>'
        for v in (0, 40, 70, 100)
    )
    return _svg(
        label,
        width,
        height,
        f'{axis}<polyline points="{line}" fill="none" stroke="{BAR}" stroke-width="2"/>{dots}',
    )
