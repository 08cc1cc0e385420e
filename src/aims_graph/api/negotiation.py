"""Choosing a response format from the Accept header (q-values honoured, wildcards understood)."""

from __future__ import annotations

from ..errors import AimsGraphError
from ..formats import GRAPH_MEDIA, RESULT_MEDIA


class NotAcceptableError(AimsGraphError):
    http_status = 406


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """Media ranges with their q-values, best first (stable for ties)."""
    if not header:
        return [("*/*", 1.0)]
    ranges: list[tuple[str, float, int]] = []
    for position, part in enumerate(header.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if not media:
            continue
        quality = 1.0
        for param in pieces[1:]:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranges.append((media, quality, position))
    ranges.sort(key=lambda r: (-r[1], r[2]))
    return [(m, q) for m, q, _ in ranges if q > 0]


def choose(header: str | None, offered: list[str]) -> str:
    """The first offered media type (in our order of preference) that the client accepts best."""
    for media, _ in parse_accept(header):
        if media == "*/*":
            return offered[0]
        if media.endswith("/*"):
            for candidate in offered:
                if candidate.startswith(media[:-1]):
                    return candidate
        if media in offered:
            return media
    raise NotAcceptableError(f"cannot produce any of: {header}; available: {', '.join(offered)}")


def wants_html(header: str | None) -> bool:
    """A browser: text/html is accepted explicitly and preferred over RDF."""
    for media, _ in parse_accept(header):
        if media in ("text/html", "application/xhtml+xml"):
            return True
        if media in GRAPH_MEDIA or media in RESULT_MEDIA:
            return False
    return False
