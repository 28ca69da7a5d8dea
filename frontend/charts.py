"""Bar charts drawn on the server as SVG markup: no chart library, no script, no inline style.

Readable without colour: each series has its own fill pattern (solid, diagonal lines, dots,
cross-hatching), every bar carries its value as text, and the axes are labelled. The SVG is a
single image to assistive technology (``role="img"`` with ``aria-label``, ``<title>`` and
``<desc>``); the page shows the same numbers in a table beside it, the text alternative.
Only SVG presentation attributes are used, which the strict CSP allows; sizing is in CSS.
"""

from dataclasses import dataclass
from math import ceil, log10

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

INK = "#1a1a1a"
PAPER = "#ffffff"
BAR_WIDTH = 18
GROUP_GAP = 16
PLOT_HEIGHT = 180
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 40, 56
LEGEND_ROW = 20


@dataclass(frozen=True)
class Series:
    """One named row of values, one per category."""

    label: str
    values: list[int]


def _pattern(chart_id: str, index: int) -> str:
    """The fill of series ``index``: patterns that differ in shape, not only in colour."""
    pid = f"{chart_id}-fill-{index}"
    shapes = (
        f'<rect width="8" height="8" fill="{INK}"/>',
        f'<rect width="8" height="8" fill="{PAPER}"/>'
        f'<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" stroke="{INK}" stroke-width="2"/>',
        f'<rect width="8" height="8" fill="{PAPER}"/><circle cx="4" cy="4" r="2" fill="{INK}"/>',
        f'<rect width="8" height="8" fill="{PAPER}"/>'
        f'<path d="M0,4 h8 M4,0 v8" stroke="{INK}" stroke-width="1.5"/>',
    )
    return (
        f'<pattern id="{pid}" width="8" height="8" patternUnits="userSpaceOnUse">'
        f"{shapes[index % len(shapes)]}</pattern>"
    )


def nice_top(value: int) -> int:
    """A round axis maximum at or above ``value`` (1, 2, 5, 10, 20, 50, ...)."""
    if value <= 1:
        return 1
    power = 10 ** int(log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _ticks(top: int) -> list[int]:
    """Whole-number ticks from 0 to a ``nice_top`` maximum: 4 or 5 steps, at least 1 apart."""
    step = top // 4 if str(top)[0] == "2" else top // 5
    return list(range(0, top + 1, max(1, step)))


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: list[str],
    series: list[Series],
    x_label: str,
    y_label: str,
) -> SafeString:
    """Grouped bars: one group per category, one patterned bar per series, values on top."""
    group = len(series) * BAR_WIDTH + GROUP_GAP
    width = LEFT + RIGHT + max(1, len(categories)) * group
    legend_height = LEGEND_ROW * len(series)
    top_margin = TOP + legend_height
    height = top_margin + PLOT_HEIGHT + BOTTOM
    top = nice_top(max((v for s in series for v in s.values), default=0))
    base = top_margin + PLOT_HEIGHT

    def y(value: int) -> float:
        return base - PLOT_HEIGHT * value / top

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" role="img" '
        f'aria-label="{escape(title)}" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="11" fill="{INK}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        "<defs>" + "".join(_pattern(chart_id, i) for i in range(len(series))) + "</defs>",
    ]
    for i, one in enumerate(series):
        row = TOP - 12 + i * LEGEND_ROW
        parts.append(
            f'<rect x="{LEFT}" y="{row}" width="14" height="14" '
            f'fill="url(#{chart_id}-fill-{i})" stroke="{INK}"/>'
            f'<text x="{LEFT + 20}" y="{row + 11}">{escape(one.label)}</text>'
        )
    for tick in _ticks(top):
        parts.append(
            f'<line x1="{LEFT - 4}" x2="{width - RIGHT}" y1="{y(tick)}" y2="{y(tick)}" '
            f'stroke="#c4c9d0" stroke-dasharray="2,3"/>'
            f'<text x="{LEFT - 8}" y="{y(tick) + 4}" text-anchor="end">{tick}</text>'
        )
    parts.append(
        f'<line x1="{LEFT}" x2="{LEFT}" y1="{top_margin}" y2="{base}" stroke="{INK}"/>'
        f'<line x1="{LEFT}" x2="{width - RIGHT}" y1="{base}" y2="{base}" stroke="{INK}"/>'
    )
    # Past 16 groups, only every few are named, so names never overlap (the table has all).
    named_every = ceil(len(categories) / 16) if categories else 1
    for c, category in enumerate(categories):
        x0 = LEFT + c * group + GROUP_GAP / 2
        for i, one in enumerate(series):
            value = one.values[c]
            x = x0 + i * BAR_WIDTH
            parts.append(
                f'<rect x="{x}" y="{y(value)}" width="{BAR_WIDTH - 2}" '
                f'height="{base - y(value)}" fill="url(#{chart_id}-fill-{i})" stroke="{INK}">'
                f"<title>{escape(category)}: {escape(one.label)} {value}</title></rect>"
                f'<text x="{x + (BAR_WIDTH - 2) / 2}" y="{y(value) - 3}" '
                f'text-anchor="middle">{value}</text>'
            )
        if c % named_every == 0:
            parts.append(
                f'<text x="{x0 + len(series) * BAR_WIDTH / 2}" y="{base + 16}" '
                f'text-anchor="middle">{escape(category)}</text>'
            )
    parts.append(
        f'<text x="{LEFT + (width - LEFT - RIGHT) / 2}" y="{height - 12}" '
        f'text-anchor="middle" font-weight="bold">{escape(x_label)}</text>'
        f'<text x="14" y="{top_margin + PLOT_HEIGHT / 2}" text-anchor="middle" '
        f'font-weight="bold" transform="rotate(-90 14 {top_margin + PLOT_HEIGHT / 2})">'
        f"{escape(y_label)}</text>"
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  (every text above is escaped)
