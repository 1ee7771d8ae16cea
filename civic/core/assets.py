"""Front-end assets built from npm into civic/static/vendor (see `make assets`)."""
from __future__ import annotations

import base64
import functools
import hashlib
import os
import re

BUNDLE = "vendor/bootstrap-italia/js/bootstrap-italia.bundle.min.js"
FONTS = "vendor/bootstrap-italia/fonts"


@functools.lru_cache(maxsize=4)
def fonts_style_hash(static_folder: str, fonts_url: str) -> str | None:
    """The CSP hash of the <style> element that bootstrap.loadFonts(fonts_url) inserts, so the CSP can allow
    exactly that stylesheet and still refuse every other inline style. None when the bundle is not built."""
    path = os.path.join(static_folder, BUNDLE)
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
