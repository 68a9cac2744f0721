"""Demo images: a blue handwritten-looking signature and a red organisation seal (transparent PNGs).

Why generated: real images belong to real people and organisations and are uploaded by them; tests,
demos and the CLI need stand-ins that look the part (Decree 30/2020: blue signature, red seal at
real size) without shipping anyone's signature.
"""

from __future__ import annotations

import functools
import math
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

BLUE = (20, 40, 170, 255)
RED = (210, 20, 30, 255)
_DEJAVU_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
_SERIF = Path(__file__).parent / "assets" / "LiberationSerif-Regular.ttf"


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in (_DEJAVU_BOLD, _SERIF):
        if path.exists():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default()


def _png(image: Image.Image) -> bytes:
    buffer = BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


@functools.lru_cache(maxsize=8)
def handwritten_signature_png(seed: int = 1) -> bytes:
    """A blue scribble on a transparent background (600x240 px)."""
    width, height = 600, 240
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    points = []
    for i in range(400):
        t = i / 399
        x = 40 + t * 520
        y = 130 + 55 * math.sin(t * 9 * math.pi + seed) * (1 - t * 0.6) + 25 * math.sin(t * 23 + seed * 2)
        points.append((x, y))
    draw.line(points, fill=BLUE, width=7, joint="curve")
    draw.line([(60, 190), (330, 175), (560, 200)], fill=BLUE, width=5, joint="curve")
    return _png(image)


@functools.lru_cache(maxsize=8)
def seal_png(organisation: str = "TRƯỜNG ĐẠI HỌC QUY TRÌNH") -> bytes:
    """A round red seal on a transparent background (480x480 px): rings, star, name around."""
    size = 480
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    c = size / 2
    draw.ellipse((8, 8, size - 8, size - 8), outline=RED, width=14)
    draw.ellipse((70, 70, size - 70, size - 70), outline=RED, width=6)
    star = []
    for k in range(10):
        radius = 70 if k % 2 == 0 else 28
        angle = -math.pi / 2 + k * math.pi / 5
        star.append((c + radius * math.cos(angle), c + radius * math.sin(angle)))
    draw.polygon(star, fill=RED)
    text = organisation.upper()
    font = _font(30)
    count = len(text)
    span = math.pi * 1.5
    for i, char in enumerate(text):
        angle = -math.pi / 2 - span / 2 + span * (i + 0.5) / count
        x = c + 200 * math.cos(angle)
        y = c + 200 * math.sin(angle)
        glyph = Image.new("RGBA", (44, 44), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((22, 22), char, font=font, fill=RED, anchor="mm")
        glyph = glyph.rotate(-math.degrees(angle) - 90, resample=Image.Resampling.BICUBIC)
        image.alpha_composite(glyph, (int(x - 22), int(y - 22)))
    return _png(image)
