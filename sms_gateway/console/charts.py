"""Server-side SVG charts: plain markup, styled by the console's stylesheet, no JavaScript."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

BAR_GAP = 2


def _svg(width: int, height: int, title: str, body: list[str]) -> Markup:
    head = (f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
            f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
            f"<title>{escape(title)}</title>")
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704 - every text part is escape()d, the rest numbers


def columns(points: Sequence[tuple[str, int]], title: str, *, width: int = 640,
            height: int = 180, label_every: int = 5) -> Markup:
    """A column chart (e.g. counts per day), labelled every few columns and with its maximum."""
    top, bottom, left = 14, 22, 34
    plot_h, plot_w = height - top - bottom, width - left - 4
    peak = max((v for _, v in points), default=0) or 1
    step = plot_w / max(len(points), 1)
    body = [f'<line class="axis" x1="{left}" y1="{top + plot_h}" x2="{width - 4}" '
            f'y2="{top + plot_h}"/>',
            f'<text class="tick" x="{left - 4}" y="{top + 4}" text-anchor="end">{peak}</text>',
            f'<text class="tick" x="{left - 4}" y="{top + plot_h}" text-anchor="end">0</text>']
    for i, (label, value) in enumerate(points):
        h = plot_h * value / peak
        x = left + i * step
        body.append(f'<rect class="bar" x="{x + BAR_GAP / 2:.1f}" y="{top + plot_h - h:.1f}" '
                    f'width="{max(step - BAR_GAP, 1):.1f}" height="{h:.1f}">'
                    f"<title>{escape(label)}: {value}</title></rect>")
        if i % label_every == 0 or i == len(points) - 1:
            body.append(f'<text class="tick" x="{x + step / 2:.1f}" y="{height - 6}" '
                        f'text-anchor="middle">{escape(label)}</text>')
    return _svg(width, height, title, body)


def bars(items: Sequence[tuple[str, int]], title: str, *, width: int = 640,
         row: int = 20, label_width: int = 230) -> Markup:
    """Horizontal bars with labels and values (e.g. tickets per category)."""
    height = max(len(items), 1) * row + 4
    peak = max((v for _, v in items), default=0) or 1
    plot_w = width - label_width - 48
    body = []
    for i, (label, value) in enumerate(items):
        y = i * row + 2
        w = plot_w * value / peak
        body.append(f'<text class="label" x="{label_width - 6}" y="{y + row * 0.68:.1f}" '
                    f'text-anchor="end">{escape(_short(label, 34))}</text>')
        body.append(f'<rect class="bar" x="{label_width}" y="{y + 2}" width="{w:.1f}" '
                    f'height="{row - 5}"><title>{escape(label)}: {value}</title></rect>')
        body.append(f'<text class="value" x="{label_width + w + 4:.1f}" '
                    f'y="{y + row * 0.68:.1f}">{value}</text>')
    return _svg(width, height, title, body)


def stacked(items: Sequence[tuple[str, Sequence[int]]], kinds: Sequence[str], title: str, *,
            width: int = 640, row: int = 20, label_width: int = 230) -> Markup:
    """Horizontal 100% bars split into kinds (CSS classes), e.g. on time / late / running."""
    height = max(len(items), 1) * row + 4
    plot_w = width - label_width - 48
    body = []
    for i, (label, parts) in enumerate(items):
        y = i * row + 2
        total = sum(parts) or 1
        x = float(label_width)
        body.append(f'<text class="label" x="{label_width - 6}" y="{y + row * 0.68:.1f}" '
                    f'text-anchor="end">{escape(_short(label, label_width // 6))}</text>')
        for kind, value in zip(kinds, parts, strict=True):
            w = plot_w * value / total
            if w > 0:
                body.append(f'<rect class="bar {escape(kind)}" x="{x:.1f}" y="{y + 2}" '
                            f'width="{w:.1f}" height="{row - 5}">'
                            f"<title>{escape(label)}: {value} {escape(kind)}</title></rect>")
            x += w
        share = round(100 * parts[0] / total)
        body.append(f'<text class="value" x="{label_width + plot_w + 4}" '
                    f'y="{y + row * 0.68:.1f}">{share}%</text>')
    return _svg(width, height, title, body)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
