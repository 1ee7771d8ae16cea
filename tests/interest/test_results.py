"""The councillors' dashboard and contact list: figures equal to those computed here from the raw generated
data, withdrawn declarations nowhere, contacts only with consent, only for the owning body."""
from __future__ import annotations

import csv
import io
from collections import Counter

import pytest
from sqlalchemy import select

from civic.database import db
from civic.interest.models import (
    BUDGET_LABELS,
    HORIZON_LABELS,
    NEED_LABELS,
    PROFILE_LABELS,
    ROLE_LABELS,
    Declaration,
    InterestCall,
    Role,
)
from tests.conftest import post_form
from tests.factories import make_body, make_user
from tests.interest.factories import generate, make_declaration
from tests.interest.pages import column, number, table

EN = {"lang": "en"}


def raw(declarations) -> list[dict]:
    """The generated declarations as plain values, read before the session ends."""
    return [{"role": d.role, "profile": d.profile, "days": d.days_per_week, "area_id": d.area_id,
             "budget": d.budget, "horizon": d.horizon, "needs": list(d.need_values),
             "consent": d.contact_consent, "withdrawn": d.withdrawn_at is not None,
             "name": d.user.display_name, "email": d.user.email}
            for d in declarations]


@pytest.fixture
def generated(in_app, call):
    """60 generated declarations (6 withdrawn), the councillor of the body and the raw data."""
    with in_app():
        rows = raw(generate(db.session.get(InterestCall, call.id), 60, seed=7, withdrawn=6))
        councillor = make_user(email="councillor@example.org", councillor_of=db.session.get(
            InterestCall, call.id).consultation.body).email
    return rows, councillor


def expected_managers(rows) -> set[tuple[str, str]]:
    return {(r["name"], r["email"]) for r in rows
            if not r["withdrawn"] and r["consent"] and r["role"] in (Role.MANAGER, Role.BOTH)}


def test_dashboard_figures_equal_the_raw_data(client, auth, call, generated, in_app):
    rows, councillor = generated
    live = [r for r in rows if not r["withdrawn"]]
    assert len(live) == 54 and any(r["withdrawn"] for r in rows)
    auth.login(councillor)
    html = client.get(f"/interest/{call.id}/results", query_string=EN).get_data(as_text=True)

    assert number(table(html, "by-role")[-1][1]) == len(live)
    assert "54" in html.split('id="total-declarations"')[1][:20]
    desk_days = sum(r["days"] for r in live if r["role"] in (Role.USER, Role.BOTH))
    assert f">{desk_days}<" in html.split('id="desk-days"')[1][:20]

    def shown(table_id, labels, key):
        counts = Counter(r[key] for r in live)
        expected = {str(label): str(counts.get(value, 0)) for value, label in labels.items()}
        page = column(html, table_id)
        page.pop("Total")
        assert page == expected, table_id

    shown("by-role", ROLE_LABELS, "role")
    shown("by-profile", PROFILE_LABELS, "profile")
    shown("by-horizon", HORIZON_LABELS, "horizon")
    shown("by-budget", BUDGET_LABELS, "budget")
    with in_app():
        area_names = {a.id: a.name for a in db.session.get(InterestCall, call.id).areas}
    shown("by-area", {**area_names, None: "No preference"}, "area_id")

    need_counts = Counter(need for r in live for need in r["needs"])
    ranked = [(row[1], number(row[2])) for row in table(html, "needs-ranked")[1:]]
    assert dict(ranked) == {str(label): need_counts.get(need, 0) for need, label in NEED_LABELS.items()}
    assert [count for _label, count in ranked] == sorted(need_counts.values(), reverse=True) + [0] * (
        len(NEED_LABELS) - len(need_counts))

    managers = {(row[0], row[1]) for row in table(html, "managers")[1:]}
    assert managers == expected_managers(rows) and managers


def test_contacts_without_consent_appear_nowhere(client, auth, call, generated, in_app):
    rows, councillor = generated
    allowed = expected_managers(rows)
    hidden = [r for r in rows if (r["name"], r["email"]) not in allowed]
    assert len(hidden) > 30
    pages = [client.get(path, query_string=EN).get_data(as_text=True)
             for path in ("/interest/", f"/interest/{call.id}", f"/interest/{call.id}/summary")]
    auth.login(councillor)
    with in_app():
        slug = db.session.get(InterestCall, call.id).consultation.slug
    pages += [client.get(path).get_data(as_text=True) for path in (
        f"/interest/{call.id}", f"/interest/{call.id}/results", f"/interest/{call.id}/summary",
        f"/consultations/{slug}/", f"/interest/{call.id}/managers.csv")]
    everything = "\n".join(pages)
    for person in hidden:
        assert person["email"] not in everything and person["name"] not in everything
    for name, email in allowed:
        assert email in pages[-1] and name in pages[-1]


def test_the_csv_export_streams_the_consenting_managers(client, auth, call, generated):
    rows, councillor = generated
    auth.login(councillor)
    response = client.get(f"/interest/{call.id}/managers.csv", query_string=EN)
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "text/csv"
    assert (response.headers["Content-Disposition"]
            == f'attachment; filename="interest-{call.id}-managers.csv"')
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    records = list(csv.reader(io.StringIO(text[1:])))
    assert records[0][:2] == ["Name", "E-mail address"]
    assert {(r[0], r[1]) for r in records[1:]} == expected_managers(rows)
    assert len(records) - 1 == len(expected_managers(rows))


def test_csv_cells_cannot_run_as_spreadsheet_formulas(client, auth, call, in_app):
    with in_app():
        stored = db.session.get(InterestCall, call.id)
        make_declaration(stored, make_user(name="=HYPERLINK(\"http://x\")"), role=Role.MANAGER,
                         contact_consent=True, manager_experience="+SUM(A1)")
        councillor = make_user(councillor_of=stored.consultation.body).email
    auth.login(councillor)
    [_header, row] = list(csv.reader(io.StringIO(
        client.get(f"/interest/{call.id}/managers.csv").get_data(as_text=True)[1:])))
    assert row[0] == "'=HYPERLINK(\"http://x\")" and row[4] == "'+SUM(A1)"


def test_only_the_owning_body_and_admins_see_the_dashboard_and_export(client, auth, call, in_app):
    with in_app():
        stored = db.session.get(InterestCall, call.id)
        make_declaration(stored, make_user(email="manager@example.org"), role=Role.MANAGER,
                         contact_consent=True)
        make_user(email="citizen@example.org")
        make_user(email="other@example.org", councillor_of=make_body())
        make_user(email="own@example.org", councillor_of=stored.consultation.body)
        make_user(email="admin@example.org", admin=True)
    paths = (f"/interest/{call.id}/results", f"/interest/{call.id}/managers.csv")
    for path in paths:
        response = client.get(path)
        assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    for email, status in (("citizen@example.org", 403), ("other@example.org", 403),
                          ("own@example.org", 200), ("admin@example.org", 200)):
        auth.login(email)
        for path in paths:
            response = client.get(path)
            body = response.get_data(as_text=True)
            assert response.status_code == status, (email, path)
            assert ("manager@example.org" in body) == (status == 200)
        auth.logout()
    assert client.get("/interest/999999/results").status_code in (302, 404)


def test_a_withdrawn_declaration_leaves_every_figure(client, auth, call, in_app):
    with in_app():
        stored = db.session.get(InterestCall, call.id)
        for _ in range(6):
            make_declaration(stored, role=Role.USER, days_per_week=2)
        make_user(email="giulia@example.org", name="Giulia Rossi")
        councillor = make_user(email="own@example.org", councillor_of=stored.consultation.body).email
    auth.login("giulia@example.org")
    post_form(client, f"/interest/{call.id}", {
        "role": "both", "profile": "student", "days_per_week": "4", "needs": ["childcare"], "area": "0",
        "budget": "over_400", "horizon": "later", "manager_experience": "Anni di associazionismo.",
        "contact_consent": "y"})

    def figures():
        auth.login(councillor)
        html = client.get(f"/interest/{call.id}/results", query_string=EN).get_data(as_text=True)
        summary = client.get(f"/interest/{call.id}/summary", query_string=EN).get_data(as_text=True)
        auth.logout()
        return html, summary

    html, summary = figures()
    assert column(html, "by-role")["Both user and manager"] == "1"
    assert column(html, "needs-ranked", 2)["1"] == "1"  # childcare, named once
    assert ">16<" in html.split('id="desk-days"')[1][:20]  # 6 x 2 + 4
    assert "Giulia Rossi" in html and "7 declarations" in summary

    auth.login("giulia@example.org")
    post_form(client, f"/interest/{call.id}", {}, action=f"/interest/{call.id}/withdraw")
    auth.logout()
    html, summary = figures()
    assert column(html, "by-role") == {"Future user": "6", "Possible manager": "0",
                                       "Both user and manager": "0", "Total": "6"}
    assert column(html, "by-profile")["Student"] == "0" and column(html, "by-budget")["Over 400 euro"] == "0"
    assert column(html, "by-horizon")["Later"] == "0"
    assert all(row[2] == "0" for row in table(html, "needs-ranked")[1:] if row[1] == "Childcare")
    assert ">12<" in html.split('id="desk-days"')[1][:20]
    assert "Giulia Rossi" not in html and "6 declarations" in summary
    with in_app():
        assert db.session.scalar(select(Declaration.withdrawn_at).where(Declaration.role == Role.BOTH))


def test_pages_use_the_same_queries_at_10_and_at_1000_declarations(client, auth, call, in_app, count_queries):
    with in_app():
        stored = db.session.get(InterestCall, call.id)
        generate(stored, 10, seed=1, withdrawn=1)
        councillor = make_user(councillor_of=stored.consultation.body).email
        slug = stored.consultation.slug
    auth.login(councillor)
    paths = [f"/interest/{call.id}/results", f"/interest/{call.id}/summary", f"/interest/{call.id}",
             f"/consultations/{slug}/", f"/interest/{call.id}/managers.csv"]

    def measure() -> dict[str, int]:
        counts = {}
        for path in paths:
            client.get(path)
            with count_queries() as counter:
                response = client.get(path)
                response.get_data()  # the export streams: count its queries too
            assert response.status_code == 200
            counts[path] = counter.count
        return counts

    small = measure()
    with in_app():
        generate(db.session.get(InterestCall, call.id), 990, seed=2, withdrawn=40)
    assert measure() == small
