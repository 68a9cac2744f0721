"""Draw a package's BPMN diagram interchange to PNG, to eyeball the layout without a modeller.

Usage: ``.venv/bin/python -m processes._build.preview QT13 /tmp/qt13.png``
"""

from __future__ import annotations

import sys
from pathlib import Path

from lxml import etree
from PIL import Image, ImageDraw, ImageFont

from .bpmn_xml import BPMN, BPMNDI, DC, DI

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
COLOURS = {"userTask": "#dbeafe", "serviceTask": "#fef3c7", "exclusiveGateway": "#fde68a", "startEvent": "#bbf7d0",
           "endEvent": "#fecaca", "intermediateCatchEvent": "#e9d5ff", "boundaryEvent": "#fbcfe8"}


def _wrap(text: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return lines + [line] if line else lines


def render(bpmn_file: Path, out: Path) -> None:
    tree = etree.parse(str(bpmn_file))
    kinds = {el.get("id"): (etree.QName(el).localname, el.get("name") or "") for el in tree.iter()
             if el.get("id") and etree.QName(el).namespace == BPMN}
    shapes = list(tree.iter(f"{{{BPMNDI}}}BPMNShape"))
    bounds = [[float(b.get(k)) for k in ("x", "y", "width", "height")] for s in shapes
              for b in s.iter(f"{{{DC}}}Bounds")]
    width = int(max(x + w for x, _, w, _ in bounds)) + 40
    height = int(max(y + h for _, y, _, h in bounds)) + 60
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 10)
    for shape in shapes:
        b = shape.find(f"{{{DC}}}Bounds")
        x, y, w, h = (float(b.get(k)) for k in ("x", "y", "width", "height"))
        kind, name = kinds.get(shape.get("bpmnElement"), ("", ""))
        if kind in ("participant", "lane"):
            draw.rectangle([x, y, x + w, y + h], outline="#64748b")
            if kind == "lane":
                for i, line in enumerate(_wrap(name, 18)[:6]):
                    draw.text((x + 4, y + 6 + i * 12), line, fill="#334155", font=font)
            continue
        fill = COLOURS.get(kind, "#eeeeee")
        if kind.endswith("Event"):
            draw.ellipse([x, y, x + w, y + h], fill=fill, outline="black")
            for i, line in enumerate(_wrap(name, 20)[:3]):
                draw.text((x - 20, y + h + 2 + i * 11), line, fill="black", font=font)
        elif kind == "exclusiveGateway":
            draw.polygon([(x + w / 2, y), (x + w, y + h / 2), (x + w / 2, y + h), (x, y + h / 2)], fill=fill,
                         outline="black")
            for i, line in enumerate(_wrap(name, 20)[:2]):
                draw.text((x - 10, y - 24 + i * 11), line, fill="black", font=font)
        else:
            draw.rounded_rectangle([x, y, x + w, y + h], radius=8, fill=fill, outline="black")
            for i, line in enumerate(_wrap(name, 16)[:6]):
                draw.text((x + 4, y + 4 + i * 12), line, fill="black", font=font)
    for edge in tree.iter(f"{{{BPMNDI}}}BPMNEdge"):
        points = [(float(p.get("x")), float(p.get("y"))) for p in edge.iter(f"{{{DI}}}waypoint")]
        draw.line(points, fill="#1e293b", width=1)
        ex, ey = points[-1]
        draw.ellipse([ex - 3, ey - 3, ex + 3, ey + 3], fill="#1e293b")
        name = kinds.get(edge.get("bpmnElement"), ("", ""))[1]
        if name:
            draw.text((points[0][0] + 4, points[0][1] - 12), name, fill="#b91c1c", font=font)
    image.save(out)


if __name__ == "__main__":
    code, target = sys.argv[1], Path(sys.argv[2])
    render(Path(__file__).resolve().parent.parent / code / f"{code}.bpmn", target)
