"""The public motion pages: search and filters, pagination with a cap, drafts invisible everywhere."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from civic.database import db
from civic.motions import queries
from civic.motions.models import MotionStatus
from tests.consultations.factories import make_consultation
from tests.factories import PASSWORD, make_body, make_user
from tests.motions.factories import bulk_motions, make_motion


@pytest.fixture
def data(app):
    with app.app_context():
        levante = make_body("municipio-ix-levante", "Municipio IX Levante")
        novi = make_body("comune-di-novi-ligure", "Comune di Novi Ligure")
        consultation = make_consultation(levante, "Coworking nel Levante")
        make_motion(levante, "Diffusione del coworking", topics=["coworking", "lavoro"],
                    consultation_id=consultation.id, text="Spazi di lavoro condivisi per i professionisti.",
                    filed_on=dt.date(2013, 5, 2))
        make_motion(novi, "Piste ciclabili al 100% sicure", topics=["mobilità"], status=MotionStatus.REJECTED,
                    filed_on=dt.date(2015, 2, 1), voted_on=dt.date(2015, 3, 1))
        draft = make_motion(levante, "Bozza riservata sul coworking", topics=["segreto"],
                            status=MotionStatus.DRAFT, filed_on=dt.date(2012, 1, 1),
                            consultation_id=consultation.id)
        make_user("levante@example.org", councillor_of=levante)
        return {"levante": levante.id, "novi": novi.id, "slug": consultation.slug, "draft": draft.id}


def _titles(client, url: str) -> set[str]:
    page = client.get(url).get_data(as_text=True)
    return {title for title in ("Diffusione del coworking", "Piste ciclabili al 100% sicure",
                                "Bozza riservata sul coworking") if title in page}


def test_search_finds_title_and_text(client, data):
    assert _titles(client, "/motions/?q=coworking") == {"Diffusione del coworking"}
    assert _titles(client, "/motions/?q=professionisti") == {"Diffusione del coworking"}
    assert _titles(client, "/motions/?q=ciclabili") == {"Piste ciclabili al 100% sicure"}
    assert _titles(client, "/motions/?q=nessunrisultato") == set()


def test_search_treats_like_wildcards_as_text(client, data, app):
    # "%" and "_" are plain characters, not wildcards matching everything.
    assert _titles(client, "/motions/?q=%25") <= {"Piste ciclabili al 100% sicure"}
    assert _titles(client, "/motions/?q=_") == set()


@pytest.mark.parametrize("query, expected", [
    ("status=rejected", {"Piste ciclabili al 100% sicure"}),
    ("topic=coworking", {"Diffusione del coworking"}),
    ("year=2013", {"Diffusione del coworking"}),
    ("year=2015", {"Piste ciclabili al 100% sicure"}),
    ("year=1999", set()),
    ("topic=segreto", set()),
    ("status=draft", {"Diffusione del coworking", "Piste ciclabili al 100% sicure"}),  # refused, so ignored
])
def test_filters(client, data, query, expected):
    assert _titles(client, f"/motions/?{query}") == expected


def test_body_filter_and_bad_values_never_fail(client, data):
    assert _titles(client, f"/motions/?body={data['novi']}") == {"Piste ciclabili al 100% sicure"}
    for query in ("body=abc", "year=abc", "page=abc", "q=" + "x" * 500, "status=%00", "year=-5"):
        assert client.get(f"/motions/?{query}").status_code < 500, query


def test_filter_choices_only_show_public_data(client, data):
    page = client.get("/motions/").get_data(as_text=True)
    assert '<option value="coworking">' in page and "segreto" not in page
    assert '<option value="2013">' in page and '<option value="2012">' not in page


def test_drafts_are_invisible_to_the_public_everywhere(client, auth, data, app):
    draft_id = data["draft"]
    assert "Bozza riservata" not in client.get("/motions/").get_data(as_text=True)
    assert "Bozza riservata" not in client.get("/motions/?q=riservata").get_data(as_text=True)
    assert "Bozza riservata" not in client.get("/").get_data(as_text=True)
    assert "Bozza riservata" not in client.get(f"/consultations/{data['slug']}/").get_data(as_text=True)
    assert client.get(f"/motions/{draft_id}").status_code == 404
    assert client.get(f"/motions/{draft_id}.json").status_code == 404
    assert "Bozza riservata" not in client.get("/motions.json?q=riservata").get_data(as_text=True)
    with app.app_context():
        make_user("giulia@example.org")
    auth.login("giulia@example.org", PASSWORD)
    assert client.get(f"/motions/{draft_id}").status_code == 404
    auth.logout()
    # Its own councillors may preview it, marked as a draft; JSON stays public-only.
    auth.login("levante@example.org", PASSWORD)
    preview = client.get(f"/motions/{draft_id}").get_data(as_text=True)
    assert "Questa è una bozza" in preview
    assert client.get(f"/motions/{draft_id}.json").status_code == 404
    assert "Bozza riservata" not in client.get("/motions/").get_data(as_text=True)


def test_pagination_has_a_hard_cap(client, app):
    with app.app_context():
        bulk_motions(make_body(), 45)
    assert "Mozione di prova" in client.get("/motions/?page=3").get_data(as_text=True)
    assert client.get(f"/motions/?page={app.config['CIVIC_MAX_PAGE'] + 1}").status_code == 404
    assert client.get(f"/motions.json?page={app.config['CIVIC_MAX_PAGE'] + 1}").status_code == 404
    assert client.get("/motions.json?page=3").json["motions"] != []
    assert client.get("/motions.json?page=4").json["motions"] == []


def test_unknown_motion_is_404(client):
    assert client.get("/motions/999").status_code == 404
    assert client.get("/motions/999.json").status_code == 404
    # Larger than any id the database can hold: still a plain 404.
    for path in ("/motions/99999999999", "/motions/99999999999.json", "/comments/99999999999/edit"):
        assert client.get(path).status_code in (302, 404), path


def test_english_page(client, data):
    page = client.get("/motions/?lang=en").get_data(as_text=True)
    assert "Search in titles and texts" in page
    assert "2 motions found." in page


def test_postgresql_search_uses_a_gin_index_on_the_searched_expression(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the full-text index exists on PostgreSQL only"
                        " (SQLite searches with an escaped LIKE)")
        definition = db.session.scalar(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_motions_search'"))
        assert "USING gin" in definition and "to_tsvector('italian'::regconfig" in definition
        db.session.execute(text("SET enable_seqscan = off"))
        query = queries.public_motions(queries.public_filters(text="coworking"))
        sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
        plan = "\n".join(db.session.scalars(text(f"EXPLAIN {sql}")))
        db.session.rollback()
    assert "ix_motions_search" in plan
