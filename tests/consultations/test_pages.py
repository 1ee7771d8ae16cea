"""The public consultation pages: the list with its filters and cap, the page with phases (the current one
marked), timeline, sections and comments; drafts invisible to the public."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from civic.consultations.models import ConsultationStatus
from civic.motions.models import Milestone, MotionStatus
from tests.comments.factories import make_comment
from tests.consultations.factories import make_consultation
from tests.factories import PASSWORD, make_body, make_user
from tests.motions.factories import make_motion

TODAY = dt.datetime.now(ZoneInfo("Europe/Rome")).date()  # the site's day, as the app counts it


@pytest.fixture
def data(app):
    with app.app_context():
        levante = make_body("municipio-ix-levante", "Municipio IX Levante")
        novi = make_body("comune-di-novi-ligure", "Comune di Novi Ligure")
        coworking = make_consultation(levante, "Coworking nel Levante", topics=["coworking", "lavoro"],
                                      summary="Spazi condivisi.", description="Un **percorso** aperto.",
                                      phases=[("Proposte", TODAY - dt.timedelta(days=30),
                                               TODAY - dt.timedelta(days=1)),
                                              ("Tavolo di lavoro", TODAY, None)])
        make_consultation(novi, "Biblioteca di Novi", status=ConsultationStatus.CLOSED, topics=["cultura"])
        make_consultation(novi, "Bozza nascosta", status=ConsultationStatus.DRAFT, topics=["segreto"],
                          slug="bozza-nascosta")
        motion = make_motion(levante, "Mozione sul coworking", consultation_id=coworking.id,
                             status=MotionStatus.APPROVED, filed_on=dt.date(2013, 5, 2),
                             voted_on=dt.date(2013, 5, 16))
        motion.milestones.append(Milestone(title="Tavolo con i municipi", due_on=None, done=False))
        make_motion(levante, "Mozione in bozza", consultation_id=coworking.id, status=MotionStatus.DRAFT)
        author = make_user("giulia@example.org", "Giulia Rossi")
        make_comment(author, "Ottima iniziativa per Sturla.", consultation=coworking)
        make_user("novi@example.org", councillor_of=novi)
        return {"slug": coworking.slug, "levante": levante.id, "novi": novi.id}


def _titles(client, url):
    page = client.get(url).get_data(as_text=True)
    return {t for t in ("Coworking nel Levante", "Biblioteca di Novi", "Bozza nascosta") if t in page}


@pytest.mark.parametrize("query, expected", [
    ("", {"Coworking nel Levante", "Biblioteca di Novi"}),
    ("status=closed", {"Biblioteca di Novi"}),
    ("status=published", {"Coworking nel Levante"}),
    ("status=draft", {"Coworking nel Levante", "Biblioteca di Novi"}),  # refused, so ignored
    ("topic=coworking", {"Coworking nel Levante"}),
    ("topic=segreto", set()),
    ("body=999", set()),
    ("body=abc", {"Coworking nel Levante", "Biblioteca di Novi"}),
])
def test_list_filters(client, data, query, expected):
    assert _titles(client, f"/consultations/?{query}") == expected


def test_body_filter_and_topic_choices(client, data):
    assert _titles(client, f"/consultations/?body={data['novi']}") == {"Biblioteca di Novi"}
    page = client.get("/consultations/").get_data(as_text=True)
    assert '<option value="cultura">' in page and "segreto" not in page


def test_pagination_cap(client, app):
    assert client.get(f"/consultations/?page={app.config['CIVIC_MAX_PAGE'] + 1}").status_code == 404
    assert client.get("/consultations/?page=zzz").status_code == 200


def test_consultation_page_shows_phases_timeline_motions_and_comments(client, data):
    page = client.get(f"/consultations/{data['slug']}/").get_data(as_text=True)
    assert "<strong>percorso</strong>" in page
    assert 'class="table-primary" aria-current="step"' in page
    current_row = page[page.index('aria-current="step"'):]
    assert current_row.index("Tavolo di lavoro") < current_row.index("</tr>")
    assert "Fase in corso" in page
    # The timeline merges the phases with the motion's steps, in date order, the undated step last.
    timeline = page[page.index('id="timeline-heading"'):]
    assert timeline.index("Mozione depositata: Mozione sul coworking") < timeline.index(
        "Mozione approvata: Mozione sul coworking") < timeline.index("Fase: Proposte") < timeline.index(
        "Tavolo con i municipi")
    assert "Mozione in bozza" not in page
    assert "Ottima iniziativa per Sturla." in page and "Giulia Rossi" in page
    assert "Accedi per commentare" in page


def test_drafts_are_invisible_to_the_public(client, auth, data):
    assert client.get("/consultations/bozza-nascosta/").status_code == 404
    assert "Bozza nascosta" not in client.get("/").get_data(as_text=True)
    auth.login("giulia@example.org", PASSWORD)
    assert client.get("/consultations/bozza-nascosta/").status_code == 404
    assert client.get("/consultations/nowhere/").status_code == 404
    auth.logout()
    auth.login("novi@example.org", PASSWORD)
    preview = client.get("/consultations/bozza-nascosta/").get_data(as_text=True)
    assert "Questa è una bozza" in preview
    assert "Bozza nascosta" not in client.get("/consultations/").get_data(as_text=True)


def test_home_lists_open_consultations_and_recent_motions(client, data):
    page = client.get("/").get_data(as_text=True)
    assert "Percorsi partecipativi aperti" in page and "Coworking nel Levante" in page
    assert "Biblioteca di Novi" not in page  # closed
    assert "Mozioni recenti" in page and "Mozione sul coworking" in page
    assert "Mozione in bozza" not in page
