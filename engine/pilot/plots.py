"""The pilot report's plots: matplotlib figures rendered to PNG data URIs (Agg, no GUI).

Figures are built with :class:`matplotlib.figure.Figure` and an Agg canvas directly, never
``pyplot``: pyplot keeps global state and may pick a GUI backend, and the window runs
``genba pilot report`` as a subprocess anyway. Japanese labels need a CJK font;
:func:`cjk_font` asks matplotlib's font manager for one of the usual Debian/Windows
families and the report says so when there is none (the labels then show boxes).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from typing import Any

from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

CJK_FAMILIES = ("Noto Sans CJK JP", "Noto Sans JP", "IPAexGothic", "IPAGothic",
                "Source Han Sans JP", "TakaoGothic", "VL Gothic", "Yu Gothic", "Meiryo",
                "MS Gothic")
"""Fonts with Japanese glyphs, best first (Debian fonts-noto-cjk, fonts-ipafont, Windows)."""

COLOURS = {"local": "#2b7bba", "remote": "#e08a2c", "degraded": "#c0392b",
           "refused": "#7f7f7f", "all-experts": "#555555"}


def cjk_font() -> str | None:
    """The first installed font family of :data:`CJK_FAMILIES`, or one named "… CJK …"."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in names:
            return family
    return next((n for n in sorted(names) if "CJK" in n), None)


class Plotter:
    """Draws the report's figures in one language's font; each returns a data URI."""

    def __init__(self, font: str | None) -> None:
        self.font = font
        families = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]
        self._rc: Any = {"font.family": families, "axes.spines.top": False,
                    "axes.spines.right": False, "figure.dpi": 100, "font.size": 9}

    def _png(self, draw: Any, size: tuple[float, float], *args: Any) -> str:
        with rc_context(self._rc):
            fig = Figure(figsize=size, layout="constrained")
            FigureCanvasAgg(fig)
            draw(fig, *args)
            buf = io.BytesIO()
            fig.savefig(buf, format="png")
        return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")

    def comparison(self, rows: Sequence[dict[str, Any]], titles: Sequence[str]) -> str:
        """Latency p50, energy per answer and accuracy per variant, side by side."""
        def draw(fig: Figure) -> None:
            axes = fig.subplots(1, 3)
            names = [r["variant"] for r in rows]
            colours = [COLOURS["all-experts"] if n == "all-experts" else COLOURS["remote"]
                       if n == "remote" else COLOURS["local"] for n in names]
            values = [[r.get("total_p50_s") or 0 for r in rows],
                      [r.get("energy_per_answer_j") or 0 for r in rows],
                      [100 * (r.get("accuracy") or 0) for r in rows]]
            for i, (ax, title, ys) in enumerate(zip(axes, titles, values, strict=True)):
                if i == 2:
                    low = [100 * (r.get("accuracy") or 0) - 100 * (r.get("accuracy_low") or 0)
                           for r in rows]
                    high = [100 * (r.get("accuracy_high") or 0) - 100 * (r.get("accuracy") or 0)
                            for r in rows]
                    ax.bar(names, ys, color=colours, yerr=[low, high], capsize=2)
                    ax.set_ylim(0, 100)
                else:
                    ax.bar(names, ys, color=colours)
                ax.set_title(title)
                ax.tick_params(axis="x", labelrotation=60, labelsize=7)
        return self._png(draw, (9.0, 3.2))

    def bars(self, labels: Sequence[str], values: Sequence[float], title: str,
             *, horizontal: bool = False, colours: Sequence[str] | None = None) -> str:
        """One bar chart (route mix, reasons, N distribution, queries per day)."""
        def draw(fig: Figure) -> None:
            ax = fig.subplots()
            colour: Any = list(colours) if colours else COLOURS["local"]
            if horizontal:
                ax.barh(list(labels)[::-1], list(values)[::-1],
                        color=colour[::-1] if isinstance(colour, list) else colour)
            else:
                ax.bar(list(labels), list(values), color=colour)
                if len(labels) > 8:
                    ax.tick_params(axis="x", labelrotation=60, labelsize=7)
            ax.set_title(title)
        height = max(2.4, 0.3 * len(labels) + 1.0) if horizontal else 2.8
        return self._png(draw, (6.0, height))

    def route_bars(self, routes: Sequence[str], values: Sequence[float], title: str) -> str:
        """The route mix, each route in its colour."""
        return self.bars(routes, values, title, colours=[COLOURS[r] for r in routes])

    def lines(self, x: Sequence[str], series: dict[str, Sequence[float | None]], title: str,
              ylabel: str) -> str:
        """Lines over categories (latency p50/p95 per day, speed by N)."""
        def draw(fig: Figure) -> None:
            ax = fig.subplots()
            for name, ys in series.items():
                ax.plot(list(x), [float("nan") if y is None else y for y in ys], marker="o",
                        label=name)
            ax.set_title(title)
            ax.set_ylabel(ylabel)
            ax.set_ylim(bottom=0)
            ax.legend()
            if len(x) > 8:
                ax.tick_params(axis="x", labelrotation=60, labelsize=7)
        return self._png(draw, (6.0, 2.8))

    def heatmap(self, matrix: Sequence[Sequence[float]], title: str, xlabel: str,
                ylabel: str) -> str:
        """Expert load: share of routing per layer (rows) and expert (columns)."""
        def draw(fig: Figure) -> None:
            ax = fig.subplots()
            image = ax.imshow([list(r) for r in matrix], aspect="auto", cmap="viridis",
                              interpolation="nearest")
            fig.colorbar(image, ax=ax)
            ax.set_title(title)
            ax.set_xlabel(xlabel)
            ax.set_ylabel(ylabel)
        return self._png(draw, (6.0, max(2.4, 0.12 * len(matrix) + 1.2)))
