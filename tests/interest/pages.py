"""Reading what a page shows: the cells of a table, as text."""
from __future__ import annotations

from html.parser import HTMLParser


class _Tables(HTMLParser):
    def __init__(self, table_id: str):
        super().__init__()
        self.table_id = table_id
        self.depth = 0  # >0 inside the wanted table
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None
        self.hidden = 0  # inside an element hidden from sight (visually-hidden text is for screen readers)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and (self.depth or attrs.get("id") == self.table_id):
            self.depth += 1
        if not self.depth:
            return
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.cell = []
        elif tag == "span" and "visually-hidden" in (attrs.get("class") or ""):
            self.hidden += 1

    def handle_endtag(self, tag):
        if not self.depth:
            return
        if tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "span" and self.hidden:
            self.hidden -= 1
        elif tag == "table":
            self.depth -= 1

    def handle_data(self, data):
        if self.depth and self.cell is not None and not self.hidden:
            self.cell.append(data)


def table(html: str, table_id: str) -> list[list[str]]:
    """Every row of the table with this id (header, body and footer), each a list of cell texts."""
    parser = _Tables(table_id)
    parser.feed(html)
    assert parser.rows, f"no table #{table_id} on the page"
    return parser.rows


def column(html: str, table_id: str, value_column: int = 1) -> dict[str, str]:
    """{row heading: text of `value_column`} for the body and footer rows of a table."""
    return {row[0]: row[value_column] for row in table(html, table_id)[1:]}


def number(text: str) -> int:
    return int(text.replace(",", "").replace(".", ""))
