"""`flask --app civic demo load`: bodies, one admin and one councillor per body, idempotent."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from civic.database import db


def row_counts(app) -> dict[str, int]:
    with app.app_context():
        return {table.name: db.session.scalar(select(func.count()).select_from(table))
                for table in db.metadata.sorted_tables}


def test_demo_load_creates_the_bodies_and_accounts_once(app, runner, client, auth):
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    passwords = dict(re.findall(r"(\S+@civic\.example)\s+password \(shown once\): (\S+)", first.output))
    assert "admin@civic.example" in passwords
    assert {"consigliere.genova@civic.example", "consigliere.levante@civic.example",
            "consigliere.novi@civic.example"} <= set(passwords)
    counts = row_counts(app)
    assert counts["bodies"] == 3

    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0, second.output
    assert "shown once" not in second.output
    assert row_counts(app) == counts

    assert auth.login("admin@civic.example", passwords["admin@civic.example"]).status_code == 302
    users_page = client.get("/manage/admin/users?q=levante").get_data(as_text=True)
    assert "Consigliere Municipio Levante" in users_page
    assert "Municipio IX Levante" in users_page
    bodies_page = client.get("/manage/admin/bodies").get_data(as_text=True)
    assert "Comune di Genova" in bodies_page and "Comune di Novi Ligure" in bodies_page
