"""Where each bubble's name goes: a point-labelling heuristic in plot pixels, pure Python."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LabelPlacement:
    """Where a bubble's name goes: a pixel offset of the label's centre from the bubble's centre (screen y grows
    downwards), the text shown (the name, or the rank when no place is free for the name), the label's box in plot
    pixels, and whether a leader line is needed (the label is not touching its bubble)."""

    dx: float
    dy: float
    text: str
    box: tuple[float, float, float, float]
    leader: bool


# Screen directions (x right, y down) tried in this order at each distance, then farther out.
LABEL_DIRECTIONS = ((1, 0), (0, -1), (-1, 0), (0, 1), (1, -1), (-1, -1), (1, 1), (-1, 1))
LABEL_GAPS = (2.0, 14.0, 28.0, 44.0, 64.0)


def _overlap(a, b) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def _label_box(cx: float, cy: float, r: float, w: float, h: float, direction, gap: float):
    dx, dy = direction
    if dx and dy:  # diagonal: a corner of the label touches the ring at 45 degrees
        ex, ey = cx + dx * (r + gap) * 0.7071, cy + dy * (r + gap) * 0.7071
        left, top = (ex if dx > 0 else ex - w), (ey if dy > 0 else ey - h)
    elif dx:
        left, top = (cx + r + gap if dx > 0 else cx - r - gap - w), cy - h / 2
    else:
        left, top = cx - w / 2, (cy + r + gap if dy > 0 else cy - r - gap - h)
    return (left, top, left + w, top + h)


def label_layout(
    centres: list[tuple[float, float]],
    radii: list[float],
    names: list[str],
    *,
    plot_px: tuple[float, float],
    obstacles: list[tuple[float, float, float, float]] = (),
    short_names: list[str] | None = None,
    char_px: float = 7.0,
    line_px: float = 16.0,
) -> list[LabelPlacement]:
    """A place for every bubble's name, in plot pixels, so that no label covers another label, a bubble, an
    obstacle (the quadrant captions) or the plot's edge.

    Steps (greedy, in input order, so put the most important moments first): a label is a box of ``char_px`` per
    character by ``line_px``; it is tried beside its bubble in eight directions, then at growing distances with a
    leader line (``LABEL_GAPS``); the first free place wins. Where none is free, the short name (the rank) is
    tried the same way; where that fails too, the place that overlaps least. A cartographic point-labelling
    heuristic (Imhof's preferred positions, without the search over swaps).
    """
    width, height = plot_px
    bubbles = [(cx - r, cy - r, cx + r, cy + r) for (cx, cy), r in zip(centres, radii, strict=True)]
    placed: list[tuple[float, float, float, float]] = []
    result = []

    def cost(box) -> float:
        outside = max(0.0, -box[0]) + max(0.0, box[2] - width) + max(0.0, -box[1]) + max(0.0, box[3] - height)
        return (
            sum(_overlap(box, other) for other in placed)
            + sum(_overlap(box, bubble) for bubble in bubbles)
            + sum(_overlap(box, obstacle) for obstacle in obstacles)
            + outside * line_px * 4
        )

    for i, ((cx, cy), r) in enumerate(zip(centres, radii, strict=True)):
        texts = [names[i]] + ([short_names[i]] if short_names and short_names[i] != names[i] else [])
        best = None
        for text in texts:
            w, h = len(text) * char_px + 6, line_px
            for gap in LABEL_GAPS:
                for direction in LABEL_DIRECTIONS:
                    box = _label_box(cx, cy, r, w, h, direction, gap)
                    c = cost(box)
                    if best is None or c < best[0]:
                        best = (c, text, box, gap)
                    if c == 0:
                        break
                if best[0] == 0:
                    break
            if best[0] == 0:
                break
        _, text, box, gap = best
        placed.append(box)
        result.append(
            LabelPlacement(
                dx=(box[0] + box[2]) / 2 - cx, dy=(box[1] + box[3]) / 2 - cy, text=text, box=box, leader=gap > 2.0
            )
        )
    return result
