"""Ticket codes and their QR codes. A code is random (96 bits from `secrets`), so it cannot be guessed or
derived from another one; the QR code carries the check-in address with the code, so door staff can scan it
with any phone camera and land on the pre-filled check-in form."""
from __future__ import annotations

import io
import re
import secrets
from urllib.parse import parse_qs, urlsplit

import segno

CODE_BYTES = 12  # 16 URL-safe characters
_CODE_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,40}$")


def new_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


def spaced(code: str) -> str:
    """The code in groups of four, easier to read aloud and to type."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalize(typed: str | None) -> str | None:
    """The code from what door staff typed or a scanner sent: the code itself (spaces allowed) or a check-in
    address carrying ?code=. None when it cannot be a code."""
    text = (typed or "").strip()
    if "code=" in text:
        values = parse_qs(urlsplit(text).query).get("code") or [""]
        text = values[0]
    text = "".join(text.split())
    return text if _CODE_SHAPE.match(text) else None


def qr_svg_data_uri(content: str) -> str:
    """An SVG QR code as a data: URI, for an <img> with a text alternative."""
    return segno.make(content, error="m").svg_data_uri(scale=5, border=2)


def qr_png(content: str) -> bytes:
    """A PNG QR code, for e-mail attachments (mail readers show PNG more reliably than SVG)."""
    buffer = io.BytesIO()
    segno.make(content, error="m").save(buffer, kind="png", scale=6, border=2)
    return buffer.getvalue()
