"""An id larger than any the database can store is a 404 on every public page, never a database error."""
from __future__ import annotations

import re


def test_every_int_route_answers_404_to_an_id_past_the_column_range(app, client):
    checked = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith("/manage") or "<" not in rule.rule:
            continue
        if not all(type(conv).__name__ == "DatabaseIntConverter" for conv in rule._converters.values()):
            continue
        url = re.sub(r"<[^>]+>", "99999999999", rule.rule)
        response = client.get(url)
        assert response.status_code == 404, f"{url} answered {response.status_code}"
        checked += 1
    assert checked >= 5
