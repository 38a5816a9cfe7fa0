"""The annual report's charts, drawn by matplotlib from the same rows as the tables.

Each chart is a horizontal bar chart of one section: one bar per row and series, the
count written at the end of each bar, so it reads without the axis. Drawn server-side with
matplotlib's object-oriented `Figure` (no pyplot, no global settings changed), so charts
drawn at the same time in several threads never share state. Two looks: `SCREEN` for the
dark pages (transparent, light text) and `PRINT` for the PDF (white, dark text).
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass
from datetime import UTC

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from belfort.i18n import _, translate
from belfort.transparency.report_tables import Section, cell

MAX_BARS = 12
"""Rows a chart draws at most (the largest first); the table beside it lists them all."""
LABEL_WIDTH = 28
"""Characters per line of a bar's label before it wraps."""


@dataclass(frozen=True)
class Theme:
    background: str
    text: str
    grid: str
    colours: tuple[str, ...]
    transparent: bool


SCREEN = Theme("#121a24", "#e6edf5", "#243245", ("#f2b134", "#5aa9ff", "#3ecf8e", "#ff5d5d"), True)
"""The pages' colours (belfort.css): accent, info, ok, bad."""
PRINT = Theme("#ffffff", "#1a1a1a", "#d0d0d0", ("#b86e00", "#1f5fa8", "#1b7f4f", "#b3261e"), False)
"""Darker shades of the same colours, for paper and for readers who print in grey."""


def _numbers(section: Section) -> list[tuple[str, list[int | float]]]:
    """(label, one number per series) for the rows the chart draws, the largest first."""
    rows = []
    for row in section.rows:
        values = [row.values[index] for index in section.charted]
        rows.append((row.label, [v if isinstance(v, int | float) else 0 for v in values]))
    if section.key == "exports":
        rows.sort(key=lambda item: -sum(item[1]))
        rows = rows[:MAX_BARS]
    return rows


def draw(section: Section, language: str, theme: Theme) -> Figure:
    """The chart of `section` with its words in `language`."""
    rows = _numbers(section)
    series = [translate(section.columns[index + 1], language) for index in section.charted]
    height = 1.1 + 0.32 * max(1, len(rows)) * max(1, len(series))
    figure = Figure(figsize=(6.4, min(height, 9.0)), layout="constrained", facecolor=theme.background)
    axes = figure.subplots()
    axes.set_facecolor(theme.background)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        axes.spines[side].set_color(theme.grid)
    axes.tick_params(colors=theme.text, labelsize=9)
    if not rows or not any(any(values) for _label, values in rows):
        axes.set_axis_off()
        axes.text(
            0.5,
            0.5,
            translate(_("Nothing to count in this year."), language),
            ha="center",
            va="center",
            color=theme.text,
            fontsize=11,
            transform=axes.transAxes,
        )
        return figure
    thickness = 0.8 / len(series)
    positions = list(range(len(rows)))
    for number, name in enumerate(series):
        offsets = [p - 0.4 + thickness * (number + 0.5) for p in positions]
        bars = axes.barh(
            offsets,
            [values[number] for _label, values in rows],
            height=thickness,
            color=theme.colours[number % len(theme.colours)],
            label=name,
        )
        labels = [cell(values[number], language, UTC) for _label, values in rows]
        axes.bar_label(bars, labels=labels, padding=3, color=theme.text, fontsize=9)
    axes.set_yticks(
        positions, ["\n".join(textwrap.wrap(translate(label, language), LABEL_WIDTH)) for label, _v in rows]
    )
    axes.invert_yaxis()
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.grid(axis="x", color=theme.grid, linewidth=0.6)
    axes.set_axisbelow(True)
    axes.margins(x=0.12)
    if len(series) > 1:
        legend = axes.legend(frameon=False, fontsize=9, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=len(series))
        for text in legend.get_texts():
            text.set_color(theme.text)
    return figure


def svg(section: Section, language: str) -> bytes:
    """The page's chart: SVG, text drawn as paths, no date in it (the same figures give the same file)."""
    buffer = io.BytesIO()
    draw(section, language, SCREEN).savefig(buffer, format="svg", transparent=True, metadata={"Date": None})
    return buffer.getvalue()


def png(section: Section, language: str, dpi: int = 200) -> bytes:
    """The PDF's chart: PNG on white, sharp when printed."""
    buffer = io.BytesIO()
    draw(section, language, PRINT).savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
