"""The schema as a picture: tables as boxes, foreign keys as arrows, drawn server-side as
SVG (presentation attributes and classes only: no script, no inline style, nothing fetched
at run time), laid out on a grid with referenced tables first."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import escape

BOX_WIDTH = 220
ROW_HEIGHT = 18
HEADER = 24
GAP_X = 60
GAP_Y = 40
COLUMNS = 3
MAX_COLUMNS_SHOWN = 12


@dataclass
class Box:
    name: str
    x: int
    y: int
    height: int
    rows: list[str]


def _order(tables: list[dict], relations: list[dict]) -> list[dict]:
    """Most-referenced tables first, so arrows mostly point up and left."""
    referenced: dict[str, int] = {}
    for relation in relations:
        referenced[relation["to"]] = referenced.get(relation["to"], 0) + 1
    return sorted(tables, key=lambda t: (-referenced.get(t["name"], 0), t["name"]))


def draw_schema(schema: dict) -> str:
    """An SVG document (a string) of ``schema`` as the playground service describes it."""
    tables = _order(schema.get("tables", []), schema.get("relations", []))
    if not tables:
        return ""
    boxes: dict[str, Box] = {}
    row_heights: list[int] = []
    for index, table in enumerate(tables):
        columns = table["columns"][:MAX_COLUMNS_SHOWN]
        rows = [_column_line(c) for c in columns]
        if len(table["columns"]) > MAX_COLUMNS_SHOWN:
            rows.append(f"… {len(table['columns']) - MAX_COLUMNS_SHOWN} more")
        height = HEADER + ROW_HEIGHT * len(rows) + 8
        grid_row, grid_col = divmod(index, COLUMNS)
        while len(row_heights) <= grid_row:
            row_heights.append(0)
        row_heights[grid_row] = max(row_heights[grid_row], height)
        boxes[table["name"]] = Box(table["name"], grid_col * (BOX_WIDTH + GAP_X) + 10, grid_row, height, rows)
    tops = [10]
    for height in row_heights:
        tops.append(tops[-1] + height + GAP_Y)
    for box in boxes.values():
        box.y = tops[box.y]
    width = min(len(tables), COLUMNS) * (BOX_WIDTH + GAP_X) - GAP_X + 20
    height = tops[-1] - GAP_Y + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="schema-diagram" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="schema-diagram-title">',
        '<title id="schema-diagram-title">Tables and the foreign keys between them</title>',
        '<defs><marker id="schema-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" class="schema-arrowhead"/></marker></defs>',
    ]
    for relation in schema.get("relations", []):
        source, target = boxes.get(relation["from"]), boxes.get(relation["to"])
        if source is None or target is None:
            continue
        x1, y1, x2, y2 = _endpoints(source, target)
        source_cols, target_cols = ", ".join(relation["from_columns"]), ", ".join(relation["to_columns"])
        label = escape(f"{relation['from']}({source_cols}) → {relation['to']}({target_cols})")
        parts.append(
            f'<line class="schema-link" x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" marker-end="url(#schema-arrow)">'
            f"<title>{label}</title></line>"
        )
    for box in boxes.values():
        parts.append(f'<g class="schema-table" data-table="{escape(box.name)}">')
        parts.append(
            f'<rect x="{box.x}" y="{box.y}" width="{BOX_WIDTH}" height="{box.height}" rx="4" class="schema-box"/>'
        )
        parts.append(
            f'<rect x="{box.x}" y="{box.y}" width="{BOX_WIDTH}" height="{HEADER}" rx="4" class="schema-head"/>'
        )
        parts.append(f'<text x="{box.x + 8}" y="{box.y + 17}" class="schema-name">{escape(_cut(box.name, 26))}</text>')
        for number, row in enumerate(box.rows):
            y = box.y + HEADER + ROW_HEIGHT * number + 14
            parts.append(f'<text x="{box.x + 8}" y="{y}" class="schema-column">{escape(_cut(row, 32))}</text>')
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def _endpoints(source: Box, target: Box) -> tuple[int, int, int, int]:
    """From the referencing table's nearest side to the referenced table's."""
    sx, sy = source.x + BOX_WIDTH // 2, source.y + source.height // 2
    tx, ty = target.x + BOX_WIDTH // 2, target.y + target.height // 2
    if source is target:
        return source.x + BOX_WIDTH, source.y + 10, source.x + BOX_WIDTH, source.y + source.height - 10
    if abs(sx - tx) >= BOX_WIDTH:  # side by side: leave and enter on the facing sides
        x1 = source.x if tx < sx else source.x + BOX_WIDTH
        x2 = target.x + BOX_WIDTH if tx < sx else target.x
        return x1, sy, x2, ty
    y1 = source.y if ty < sy else source.y + source.height
    y2 = target.y + target.height if ty < sy else target.y
    return sx, y1, tx, y2


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _column_line(column: dict) -> str:
    key = "🔑 " if column.get("pk") else ""
    required = " not null" if column.get("not_null") and not column.get("pk") else ""
    return f"{key}{column['name']}: {column['type']}{required}"
