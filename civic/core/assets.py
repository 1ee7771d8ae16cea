"""Static files: front-end assets built from npm into civic/static/vendor (see `make assets`), and their
fingerprinted addresses.

`url_for('static', filename='css/civic.css')` gives /static/css/civic.<12 hex digits of its SHA-256>.css: the
address changes whenever the content does, so browsers and proxies may keep it for a year
(`Cache-Control: public, max-age=31536000, immutable`). The plain address still works, revalidated at each
use (`no-cache` with an ETag). A fingerprint that is not the file's current one is a 404, never another
content under an address promised immutable. nginx serves the same addresses itself (deploy/nginx/civic.conf).
"""
from __future__ import annotations

import base64
import functools
import hashlib
import os
import re
import threading
from stat import S_ISREG

from flask import Flask, abort
from werkzeug.security import safe_join

SCRIPT = "vendor/bootstrap-italia/js/bootstrap-italia.min.js"
FONTS = "vendor/bootstrap-italia/fonts"
DIGITS = 12
YEAR = 365 * 24 * 3600
FINGERPRINTED = re.compile(r"(?P<stem>.+)\.(?P<digest>[0-9a-f]{12})(?P<suffix>\.[A-Za-z0-9]+)")


class Fingerprints:
    """The short content hash of each static file, computed once per version of the file (its modification
    time and size, one stat per address made), so an edited file in development gets a new address."""

    def __init__(self, folder: str):
        self.folder = folder
        self._known: dict[str, tuple[tuple[int, int], str]] = {}
        self._lock = threading.Lock()

    def digest(self, filename: str) -> str | None:
        """The file's fingerprint, or None when it is no file of the folder (a directory, a missing file)."""
        path = safe_join(self.folder, filename)
        if path is None:
            return None
        try:
            stat = os.stat(path)
        except OSError:
            return None
        if not S_ISREG(stat.st_mode):
            return None
        version = (stat.st_mtime_ns, stat.st_size)
        known = self._known.get(filename)
        if known is not None and known[0] == version:
            return known[1]
        sha = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 16), b""):
                sha.update(block)
        digest = sha.hexdigest()[:DIGITS]
        with self._lock:
            self._known[filename] = (version, digest)
        return digest

    def address(self, filename: str) -> str:
        """The fingerprinted name of a file (`css/civic.0123456789ab.css`), or the name as it is when the file
        has no suffix or is not there."""
        stem, suffix = os.path.splitext(filename)
        digest = self.digest(filename) if suffix else None
        return f"{stem}.{digest}{suffix}" if digest else filename

    def original(self, filename: str) -> str | None:
        """The file a fingerprinted name stands for, when the fingerprint is its current one; else None."""
        found = FINGERPRINTED.fullmatch(filename)
        if found is None:
            return None
        original = found["stem"] + found["suffix"]
        return original if self.digest(original) == found["digest"] else None


def init_app(app: Flask) -> None:
    """Fingerprinted addresses for url_for('static', ...), and the static view that serves them."""
    fingerprints = Fingerprints(app.static_folder)
    app.extensions["civic_fingerprints"] = fingerprints

    def fingerprint(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values:
            values["filename"] = fingerprints.address(values["filename"])

    def static_file(filename: str):
        if not FINGERPRINTED.fullmatch(filename):
            return app.send_static_file(filename)  # revalidated at each use (Flask: no-cache, ETag)
        original = fingerprints.original(filename)
        if original is None:
            abort(404)
        response = app.send_static_file(original)
        response.cache_control.no_cache = None
        response.cache_control.public = True
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
        return response

    app.url_defaults(fingerprint)
    app.view_functions["static"] = static_file


@functools.lru_cache(maxsize=4)
def fonts_style_hash(static_folder: str, fonts_url: str) -> str | None:
    """The CSP hash of the <style> element that bootstrap.loadFonts(fonts_url) inserts, so the CSP can allow
    exactly that stylesheet and still refuse every other inline style. None when the script is not built."""
    path = os.path.join(static_folder, SCRIPT)
    try:
        with open(path, encoding="utf-8") as handle:
            source = handle.read()
    except OSError:
        return None
    start = source.find("loadFonts:")
    if start < 0:
        return None
    opening = source.index("`", start)
    closing = source.index("`", opening + 1)
    template = source[opening + 1 : closing]
    css = re.sub(r"\$\{[A-Za-z_$][\w$]*\}", lambda _m: fonts_url, template)
    css = css.encode("latin-1", "backslashreplace").decode("unicode_escape")
    return "sha256-" + base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode()
