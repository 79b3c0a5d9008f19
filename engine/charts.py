"""The geometry of the HTML reports' charts: plain numbers (positions, widths,
titles) that the SVG template (engine/templates/charts.svg.j2) draws. No markup
here; no figure of law."""
from __future__ import annotations

from decimal import Decimal

ZERO = Decimal(0)


def _f(v) -> float:
    return float(v or 0)  # float ok: a chart's coordinates, never a figure shown as money


def _money(v) -> str:
    return f"{Decimal(v):,.2f}"


def stacked_bars(rows, segment_labels: dict, width: int = 560, label_width: int = 110, bar: int = 24,
                 gap: int = 12) -> dict:
    """Horizontal bars, each split into segments; negative segments stack to the left of zero.

    rows: [(row label, [(segment key, amount), ...])]; segment_labels: {key: words}."""
    rows = [(label, [(k, Decimal(v)) for k, v in segs if v]) for label, segs in rows]
    pos = max([sum((v for _, v in s if v > 0), ZERO) for _, s in rows] + [ZERO])
    neg = max([-sum((v for _, v in s if v < 0), ZERO) for _, s in rows] + [ZERO])
    span = _f(pos + neg) or 1.0
    plot = width - label_width - 100  # room for the total after the bar
    zero_x = label_width + plot * _f(neg) / span
    keys = []
    out_rows = []
    for i, (label, segs) in enumerate(rows):
        y = 10 + i * (bar + gap)
        right, left = zero_x, zero_x
        segments = []
        for key, v in segs:
            if key not in keys:
                keys.append(key)
            w = plot * abs(_f(v)) / span
            if v > 0:
                x, right = right, right + w
            else:
                left -= w
                x = left
            segments.append({"x": round(x, 2), "w": round(max(w, 0.5), 2), "cls": f"c{keys.index(key) % 8}",
                             "title": f"{segment_labels.get(key, key)}: {_money(v)}"})
        total = sum((v for _, v in segs), ZERO)
        out_rows.append({"y": y, "label": label, "segments": segments, "total": _money(total),
                         "total_x": round(min(right + 6, width - 4), 2)})
    height = 10 + len(rows) * (bar + gap) + 10
    legend = [{"cls": f"c{i % 8}", "label": segment_labels.get(k, k)} for i, k in enumerate(keys)]
    return {"width": width, "height": height, "bar": bar, "zero_x": round(zero_x, 2), "label_width": label_width,
            "rows": out_rows, "legend": legend, "empty": not keys}


def bars(items, width: int = 560, bar: int = 16, gap: int = 26) -> dict:
    """Horizontal bars, one per item, each with its words above it: [(label, amount, css class)]."""
    items = [(label, Decimal(v or 0), cls) for label, v, cls in items]
    top = max([abs(v) for _, v, _ in items] + [ZERO])
    plot = width - 110
    out = []
    for i, (label, v, cls) in enumerate(items):
        w = plot * abs(_f(v)) / (_f(top) or 1.0)
        y = 18 + i * (bar + gap)
        out.append({"y": y, "label_y": y - 5, "label": label, "x": 0, "w": round(max(w, 0.5 if v else 0), 2),
                    "cls": cls, "value": _money(v), "value_x": round(w + 6, 2)})
    return {"width": width, "height": 18 + len(items) * (bar + gap), "bar": bar, "rows": out,
            "empty": top == 0}


def columns(points, width: int = 560, height: int = 170, pad: int = 28) -> dict:
    """Vertical columns by year: [(year, amount)] (a depreciation schedule)."""
    points = [(y, Decimal(v or 0)) for y, v in points]
    top = max([v for _, v in points] + [ZERO])
    n = max(len(points), 1)
    slot = (width - 2 * pad) / n
    plot_h = height - 2 * pad
    out = []
    for i, (year, v) in enumerate(points):
        h = plot_h * _f(v) / (_f(top) or 1.0)
        out.append({"x": round(pad + i * slot + slot * 0.15, 2), "w": round(slot * 0.7, 2),
                    "y": round(pad + plot_h - h, 2), "h": round(h, 2), "year": year, "value": _money(v),
                    "label_x": round(pad + i * slot + slot / 2, 2),
                    "show_year": n <= 12 or i % max(n // 10, 1) == 0 or i == n - 1})
    return {"width": width, "height": height, "base_y": pad + plot_h, "pad": pad, "columns": out,
            "top": _money(top), "empty": top == 0}
