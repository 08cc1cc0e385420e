"""The control coverage chart: Annex A controls by implementation status, per control category.

Drawn from the statement-of-applicability named query. SVG is written directly (it is text); PNG is drawn
with Pillow so no browser or plotting stack is needed.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw

from ..answers import Term, display
from ..namespaces import PREFIXES
from ..queries import run_query
from ..store import Queryable

STATUSES = ("Implemented", "InProgress", "Planned", "No status", "Not applicable", "Not in SoA")
COLOURS = {
    "Implemented": "#2e7d32",
    "InProgress": "#f9a825",
    "Planned": "#1565c0",
    "No status": "#8e24aa",
    "Not applicable": "#9e9e9e",
    "Not in SoA": "#c62828",
}
CATEGORY_ORDER = ["A.2", "A.3", "A.4", "A.5", "A.6", "A.7", "A.8", "A.9", "A.10"]


@dataclass
class Coverage:
    """Counts of controls per category and status."""

    counts: dict[str, dict[str, int]]

    @property
    def total(self) -> int:
        return sum(sum(row.values()) for row in self.counts.values())


def status_of(row: dict[str, Term]) -> str:
    if display(row.get("inSoA")) != "true":
        return "Not in SoA"
    if display(row.get("applicable")) == "false":
        return "Not applicable"
    status = display(row.get("status"), PREFIXES).removeprefix("aims:")
    return status if status in STATUSES else "No status"


def coverage(store: Queryable) -> Coverage:
    counts: dict[str, dict[str, int]] = {c: dict.fromkeys(STATUSES, 0) for c in CATEGORY_ORDER}
    for row in run_query(store, "statement-of-applicability").dicts():
        notation = display(row["notation"])
        category = ".".join(notation.split(".")[:2])
        counts.setdefault(category, dict.fromkeys(STATUSES, 0))[status_of(row)] += 1
    return Coverage(counts)


def _bars(cov: Coverage, width: int) -> list[tuple[str, list[tuple[str, int, int]]]]:
    """Per category, the (status, x, width) segments of its bar, scaled to the widest category."""
    widest = max((sum(r.values()) for r in cov.counts.values()), default=1) or 1
    scale = (width - 160 - 20) / widest
    out = []
    for category, row in cov.counts.items():
        x, segments = 160, []
        for status in STATUSES:
            w = round(row[status] * scale)
            if row[status]:
                segments.append((status, x, w))
            x += w
        out.append((category, segments))
    return out


def to_svg(cov: Coverage, width: int = 720) -> str:
    row_height, top = 28, 40
    bars = _bars(cov, width)
    height = top + row_height * len(bars) + 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="Annex A controls by implementation status">',
        "<style>text{font-family:sans-serif;font-size:13px;fill:#1d2733}</style>",
        f'<text x="10" y="22" font-weight="bold">Annex A controls by status ({cov.total} controls)</text>',
    ]
    for i, (category, segments) in enumerate(bars):
        y = top + i * row_height
        count = sum(cov.counts[category].values())
        parts.append(f'<text x="10" y="{y + 17}">{escape(category)} ({count})</text>')
        for status, x, w in segments:
            parts.append(
                f'<rect x="{x}" y="{y + 4}" width="{w}" height="{row_height - 8}" fill="{COLOURS[status]}">'
                f"<title>{escape(category)}: {cov.counts[category][status]} {escape(status)}</title></rect>"
            )
    legend_y = top + row_height * len(bars) + 20
    for i, status in enumerate(STATUSES):
        x = 10 + i * 118
        parts.append(f'<rect x="{x}" y="{legend_y}" width="12" height="12" fill="{COLOURS[status]}"/>')
        parts.append(f'<text x="{x + 16}" y="{legend_y + 11}">{escape(status)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def to_png(cov: Coverage, width: int = 720) -> bytes:
    row_height, top = 28, 40
    bars = _bars(cov, width)
    height = top + row_height * len(bars) + 60
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.text((10, 12), f"Annex A controls by status ({cov.total} controls)", fill="#1d2733")
    for i, (category, segments) in enumerate(bars):
        y = top + i * row_height
        draw.text((10, y + 8), f"{category} ({sum(cov.counts[category].values())})", fill="#1d2733")
        for status, x, w in segments:
            draw.rectangle([x, y + 4, x + max(w - 1, 0), y + row_height - 4], fill=COLOURS[status])
    legend_y = top + row_height * len(bars) + 20
    for i, status in enumerate(STATUSES):
        x = 10 + i * 118
        draw.rectangle([x, legend_y, x + 12, legend_y + 12], fill=COLOURS[status])
        draw.text((x + 16, legend_y), status, fill="#1d2733")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
