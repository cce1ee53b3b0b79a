"""Server-side charts for the dashboard: matplotlib (Agg) rendered to inline SVG."""

from __future__ import annotations

import functools
import io
import threading
from collections.abc import Sequence
from html import escape

#: rcParams are global (rc_context changes them) and waitress serves requests on threads.
_LOCK = threading.Lock()
ACCENT = "#0b6e4f"


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    xlabel: str = "",
    ylabel: str = "",
    horizontal: bool = False,
) -> str:
    """A bar chart as an ``<svg>`` element (no XML prolog), ready to inline in a page.

    Drawing takes a tenth of a second or more under one process-wide lock; the same figures
    give the same chart, so charts are kept (a dashboard viewed again draws nothing)."""
    return _bar_chart(tuple(labels), tuple(values), title, xlabel, ylabel, horizontal)


@functools.lru_cache(maxsize=64)
def _bar_chart(
    labels: tuple[str, ...],
    values: tuple[float, ...],
    title: str,
    xlabel: str,
    ylabel: str,
    horizontal: bool,
) -> str:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    # Text stays text (not glyph outlines): smaller, faster, and read by screen readers.
    with _LOCK, rc_context({"svg.fonttype": "none", "font.family": "sans-serif", "font.size": 11}):
        height = max(2.4, 0.3 * len(labels) + 1.0) if horizontal else 3.0
        figure = Figure(figsize=(5.2, height), layout="constrained")
        axes = figure.add_subplot()
        positions = list(range(len(labels)))
        if horizontal:
            axes.barh(positions, values, color=ACCENT)
            axes.set_yticks(positions, labels)
            axes.invert_yaxis()
        else:
            axes.bar(positions, values, color=ACCENT)
            axes.set_xticks(positions, labels)
        axes.set_title(title)
        axes.set_xlabel(xlabel)
        axes.set_ylabel(ylabel)
        axes.spines[["top", "right"]].set_visible(False)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    # An image with a name for assistive technology; the title is the chart's alt text.
    return svg.replace("<svg ", f'<svg role="img" aria-label="{escape(title)}" ', 1)
