"""Instagram's image rules, checked in ``validate`` with Pillow: JPEG, aspect ratio 4:5 to 1.91:1, 320 to
1,440 px wide, at most 8 MB. Each problem says exactly what to change, so a coordinator can fix the image in
any editor; pmcpost does not convert images itself, because a converted copy would also have to be served
publicly where Meta fetches it (docs/decisions.md)."""

from __future__ import annotations

import math
from pathlib import Path

MIN_WIDTH = 320
MAX_WIDTH = 1_440
MIN_ASPECT = (4, 5)  # width : height, the tallest allowed
MAX_ASPECT = (191, 100)  # the widest allowed
MAX_BYTES = 8 * 1024 * 1024


def check(path: Path) -> list[str]:
    """What to change in the image at ``path`` before Instagram takes it (empty when it conforms)."""
    from PIL import Image, UnidentifiedImageError

    problems = []
    size = path.stat().st_size
    if size > MAX_BYTES:
        problems.append(
            f"is {size:,} bytes; Instagram takes at most {MAX_BYTES:,}: save it with stronger JPEG compression"
        )
    try:
        with Image.open(path) as image:
            kind, (width, height) = image.format or "unknown", image.size
    except (OSError, UnidentifiedImageError):
        return [*problems, "cannot be read as an image"]
    if kind != "JPEG":
        problems.append(f"is a {kind} image; Instagram takes JPEG only: save it as a .jpg and point media to that file")
    if width < MIN_WIDTH:
        problems.append(f"is {width} px wide; Instagram needs at least {MIN_WIDTH}: scale it up to {MIN_WIDTH} px wide")
    elif width > MAX_WIDTH:
        problems.append(
            f"is {width} px wide; Instagram takes at most {MAX_WIDTH:,}: scale it down to {MAX_WIDTH:,} px wide"
        )
    if height and width * MIN_ASPECT[1] < height * MIN_ASPECT[0]:
        keep = math.floor(width * MIN_ASPECT[1] / MIN_ASPECT[0])
        problems.append(
            f"is {width}×{height} px, taller than Instagram's 4:5: crop it to at most {keep} px high at this width"
        )
    elif height and width * MAX_ASPECT[1] > height * MAX_ASPECT[0]:
        keep = math.floor(height * MAX_ASPECT[0] / MAX_ASPECT[1])
        problems.append(
            f"is {width}×{height} px, wider than Instagram's 1.91:1: crop it to at most {keep} px wide at this height"
        )
    return problems
