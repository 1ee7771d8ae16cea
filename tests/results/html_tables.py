"""Reads the tables of a page as a person reads them: the text of every cell, grouped by the section they sit
in."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Table:
    section: str | None
    id: str | None
    caption: str = ""
    rows: list[list[str]] = field(default_factory=list)  # every row (thead, tbody, tfoot), cell texts

    def body(self) -> dict[str, list[str]]:
        """Rows keyed by their first cell (the row header), without the header row."""
        return {row[0]: row[1:] for row in self.rows[1:]}


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[Table] = []
        self.sections: list[str | None] = []
        self.table: Table | None = None
        self.cell: list[str] | None = None
        self.in_caption = False
        self.hidden_depth = 0  # inside visually-hidden text: a screen reader reads it, the eye does not

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self.sections.append(attrs.get("id"))
        elif tag == "table":
            self.table = Table(section=next((s for s in reversed(self.sections) if s), None),
                               id=attrs.get("id"))
        elif tag == "caption":
            self.in_caption = True
        elif tag == "tr" and self.table is not None:
            self.table.rows.append([])
        elif tag in ("td", "th") and self.table is not None:
            self.cell = []
        elif tag == "span" and "visually-hidden" in (attrs.get("class") or ""):
            self.hidden_depth += 1
        elif tag == "span" and self.hidden_depth:
            self.hidden_depth += 1

    def handle_endtag(self, tag):
        if tag == "section" and self.sections:
            self.sections.pop()
        elif tag == "table" and self.table is not None:
            self.tables.append(self.table)
            self.table = None
        elif tag == "caption":
            self.in_caption = False
        elif tag in ("td", "th") and self.cell is not None and self.table is not None:
            self.table.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "span" and self.hidden_depth:
            self.hidden_depth -= 1

    def handle_data(self, data):
        if self.hidden_depth:
            return
        if self.in_caption and self.table is not None:
            self.table.caption += data
        elif self.cell is not None:
            self.cell.append(data)


def tables(html: str) -> list[Table]:
    parser = _Parser()
    parser.feed(html)
    return parser.tables


def in_section(html: str, section: str) -> list[Table]:
    return [table for table in tables(html) if table.section == section]


def number(text: str) -> float:
    """A number as the English pages print it: "1,234", "45.3%", "3.55"."""
    cleaned = text.replace(",", "").replace("%", "").strip()
    return float(cleaned)


def interval(text: str) -> tuple[float, float]:
    low, high = re.split(r"\s+–\s+", text)
    return number(low), number(high)
