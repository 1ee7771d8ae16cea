"""The bytes a first visit to the home page transfers: the page and every stylesheet, script and sprite
sheet it loads (not the fonts, which the browser picks by the text it shows), uncompressed, gzipped as nginx
does on the fly (level 5, deploy/nginx/civic.conf) and as the files precompressed by `make assets` (level 9,
served by nginx's gzip_static). `before` is the same page with the design kit's 1 MB bundle, which Civic
loaded until it took the smaller script.

    .venv/bin/python -m bench.first_visit        # prints a table, and the JSON with --json
"""
from __future__ import annotations

import gzip
import json
import re
import sys
import tempfile
from pathlib import Path

from flask_migrate import upgrade

from civic import create_app

LOADED = re.compile(r'<(?:link rel="stylesheet" href|script src)="(/static/[^"]+)"'
                    r'|<use href="(/static/[^"#]+)')
BUNDLE = "bootstrap-italia.bundle.min.js"


def measure(client, html: bytes, swap_bundle: bool) -> dict:
    addresses = []
    for stylesheet_or_script, sprite in LOADED.findall(html.decode()):
        address = stylesheet_or_script or sprite
        if address not in addresses:
            addresses.append(address)
    parts = [("/", html)]
    for address in addresses:
        body = client.get(address).get_data()
        if swap_bundle and "bootstrap-italia.min." in address and address.endswith(".js"):
            address = "/static/vendor/bootstrap-italia/js/" + BUNDLE
            body = client.get(address).get_data()
        parts.append((address, body))
    rows = [{"address": address, "bytes": len(body), "gzip5": len(gzip.compress(body, 5)),
             "gzip9": len(gzip.compress(body, 9))} for address, body in parts]
    total = {key: sum(row[key] for row in rows) for key in ("bytes", "gzip5", "gzip9")}
    assets = {key: sum(row[key] for row in rows if row["address"].endswith((".css", ".js")))
              for key in ("bytes", "gzip5", "gzip9")}
    return {"files": rows, "total": total, "css_and_js": assets}


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3",
                          "SECRET_KEY": "first-visit", "CIVIC_PAGE_CACHE_SECONDS": 0})
        with app.app_context():
            upgrade()
        client = app.test_client()
        html = client.get("/").get_data()
        result = {"before": measure(client, html, swap_bundle=True),
                  "after": measure(client, html, swap_bundle=False)}
    if "--json" in sys.argv:
        print(json.dumps(result, indent=2))
    print(f"{'first visit of /':<28}{'uncompressed':>14}{'gzip -5':>12}{'gzip -9':>12}")
    for moment in ("before", "after"):
        for what in ("css_and_js", "total"):
            numbers = result[moment][what]
            print(f"{moment + ' ' + what.replace('_', ' '):<28}{numbers['bytes']:>14,}{numbers['gzip5']:>12,}"
                  f"{numbers['gzip9']:>12,}")
    for row in result["after"]["files"]:
        print(f"  {Path(row['address']).name:<40}{row['bytes']:>12,}{row['gzip5']:>12,}{row['gzip9']:>12,}")


if __name__ == "__main__":
    main()
