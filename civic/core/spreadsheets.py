"""Every tabular export is written here: streamed CSV, write-only XLSX and zips of CSV files, all sent in
chunks of about CHUNK bytes, with memory flat whatever the number of rows.

A CSV is written for one of two readers, and the reader decides the byte-order mark and the defusing:
- a person's spreadsheet (every CSV a person downloads): a UTF-8 byte-order mark, and every text cell that a
  spreadsheet would run as a formula prefixed with an apostrophe (OWASP's advice against CSV injection);
- a program (the members of a data package): no byte-order mark and every value exactly as stored, which the
  package's descriptor says.
An XLSX cell has a type, so a text only needs forcing to a text cell where it would be taken as a formula or
an error code, and clearing of the characters XML cannot hold.

Callers give the header, an iterable of lines and optionally `prepare`, which turns a line into its cells for
the format (times, numbers; it may change the line in place), and `texts`, the positions of the columns that
can hold text (None: every cell is checked), so conversions run only on the columns that need them."""
from __future__ import annotations

import csv
import io
import os
import re
import tempfile
import weakref
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE

CHUNK = 64 * 1024  # characters (CSV) or bytes (files) per chunk sent to the client
# What a spreadsheet may run as a formula: a text starting with =, +, -, @ (after any spaces, which Excel and
# LibreOffice skip), their full-width and small forms and the minus sign (spreadsheets in Japanese, Chinese
# and Korean take them as the ASCII ones), or with a tab, a carriage return or a line feed (OWASP's list; a
# cell may start a new line before its formula). The one rule of every CSV a person downloads.
FORMULA_SIGNS = "=+-@\uff1d\uff0b\uff0d\uff20\ufe66\ufe62\ufe63\u2212"
RUNNABLE = re.compile(f"[ \u00a0\u3000]*[{re.escape(FORMULA_SIGNS)}]|[\t\r\n]")
# Excel reads a CSV as UTF-8 only after a BOM; programs (Python's csv) take it as part of the first header.
SPREADSHEET_BOM = "\ufeff"

Prepare = Callable[[list], list]


def runnable(value: str) -> bool:
    """Whether a spreadsheet opening this text from a CSV could take it as a formula."""
    return RUNNABLE.match(value) is not None


def defused(value):
    """A text a spreadsheet will not run as a formula (a leading apostrophe, as OWASP advises); any other
    value as it is."""
    if isinstance(value, str) and RUNNABLE.match(value):
        return "'" + value
    return value


def _spreadsheet_cells(texts: Sequence[int] | None, prepare: Prepare | None) -> Prepare:
    """Prepares a line, then defuses its text cells: only the columns in `texts`, in place, or every cell when
    it is None. The rule of defused() is inlined for the columns: a call per cell costs 5% of an export."""
    if texts is None:
        if prepare is None:
            return lambda line: [defused(value) for value in line]
        return lambda line: [defused(value) for value in prepare(line)]
    match = RUNNABLE.match

    def cells(line: list) -> list:
        if prepare is not None:
            line = prepare(line)
        for index in texts:
            value = line[index]
            if isinstance(value, str) and match(value):
                line[index] = "'" + value
        return line
    return cells


def _csv_chunks(header: Sequence, lines: Iterable, start: str, cells: Prepare) -> Iterator[str]:
    buffer = io.StringIO()
    buffer.write(start)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for line in lines:
        writer.writerow(cells(line))
        if buffer.tell() > CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def spreadsheet_csv(header: Sequence[str], lines: Iterable, texts: Sequence[int] | None = None,
                    prepare: Prepare | None = None) -> Iterator[str]:
    """A CSV for a person to open in a spreadsheet, in chunks: the byte-order mark Excel needs to read UTF-8,
    then the header and the lines, every text that could run as a formula defused (header included)."""
    return _csv_chunks([defused(title) for title in header], lines, SPREADSHEET_BOM,
                       _spreadsheet_cells(texts, prepare))


def data_csv(header: Sequence[str], lines: Iterable, prepare: Prepare | None = None) -> Iterator[str]:
    """A CSV for programs (a data package's member), in chunks: no byte-order mark and values as they are, not
    defused, since that would change them; whoever publishes it says so."""
    return _csv_chunks(header, lines, "", prepare or _as_is)


def _as_is(line):
    return line


class TemporaryDownload:
    """A finished temporary file read in chunks of CHUNK bytes, and removed once read to its end or closed
    (a client that leaves early), whichever comes first, or at the latest when it is garbage collected. It is
    its own iterator, so whoever closes the iteration (the WSGI server, Flask's stream_with_context) reaches
    close(), even before the first chunk."""

    def __init__(self, path: str):
        self.path = path
        self._handle: io.BufferedReader | None = None
        self._remove = weakref.finalize(self, _remove, path)

    def __iter__(self) -> TemporaryDownload:
        return self

    def __next__(self) -> bytes:
        if not self._remove.alive:
            raise StopIteration
        if self._handle is None:
            self._handle = open(self.path, "rb")  # closed by close(), at the end or earlier
        chunk = self._handle.read(CHUNK)
        if not chunk:
            self.close()
            raise StopIteration
        return chunk

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        self._remove()


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _temporary_download(suffix: str, write: Callable[[str], None]) -> TemporaryDownload:
    """A temporary file filled by `write(path)`; removed at once if writing fails."""
    handle, path = tempfile.mkstemp(suffix=suffix, prefix="civic-export-")
    os.close(handle)
    try:
        write(path)
    except BaseException:
        _remove(path)
        raise
    return TemporaryDownload(path)


def xlsx_text(sheet, value: str):
    """A text as a cell value, without the characters XML cannot hold, never run as a formula nor read as an
    error code: a cell forced to text where the CSV rule (RUNNABLE) or openpyxl would see more than a text,
    and only there (openpyxl takes a ready cell only after a ValueError, and one exception per text cell is
    costly)."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if RUNNABLE.match(value) or value in ERROR_CODES:
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def spreadsheet_xlsx(title: str, header: Sequence[str], lines: Iterable, texts: Sequence[int] | None = None,
                     prepare: Prepare | None = None) -> TemporaryDownload:
    """An XLSX workbook of one sheet, written row by row in write-only mode (openpyxl keeps the rows in a
    temporary file of its own) into a temporary file sent in chunks; every text goes through xlsx_text."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.append([xlsx_text(sheet, name) for name in header])
    for line in lines:
        if prepare is not None:
            line = prepare(line)
        if texts is None:
            line = [xlsx_text(sheet, value) if isinstance(value, str) else value for value in line]
        else:
            for index in texts:
                if isinstance(line[index], str):
                    line[index] = xlsx_text(sheet, line[index])
        sheet.append(line)
    return _temporary_download(".xlsx", workbook.save)


def zip_download(members: Iterable[tuple[str, Iterable[str]]]) -> TemporaryDownload:
    """A zip of text files (each given as its name and its chunks, e.g. a data_csv), written one after the
    other into a temporary file, sent in chunks."""

    def write(path: str) -> None:
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, chunks in members:
                with archive.open(name, "w") as member:
                    for chunk in chunks:
                        member.write(chunk.encode("utf-8"))
    return _temporary_download(".zip", write)
