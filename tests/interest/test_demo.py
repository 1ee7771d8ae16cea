"""The Novi Ligure demo call: generated declarations, idempotent, demo citizens who cannot log in."""
from __future__ import annotations

from sqlalchemy import func, select

from civic.accounts.models import Councillorship, User
from civic.consultations.models import Consultation
from civic.database import db
from civic.interest import demo
from civic.interest.models import Declaration, InterestCall
from tests.consultations.factories import make_consultation
from tests.factories import make_body


def test_the_demo_call_is_made_once_with_generated_declarations(client, in_app):
    with in_app():
        novi = make_body("comune-di-novi-ligure", "Comune di Novi Ligure")
        consultation = make_consultation(novi, slug="coworking-novi-ligure")
        context = {"bodies": {"novi": novi}, "consultations": {"novi": consultation}}
        messages = []
        call_id = demo.load(context, messages.append)["call"].id
        assert demo.load(context, messages.append)["call"].id == call_id
        assert len(messages) == 1  # the call, the first time only
        call = db.session.get(InterestCall, call_id)
        assert call.consultation.slug == "coworking-novi-ligure" and call.consultation.body_id == novi.id
        assert [area.name for area in call.areas] == demo.AREAS
        assert "Dati dimostrativi" in call.description
        assert db.session.scalar(select(func.count()).select_from(InterestCall)) == 1
        live = db.session.scalar(select(func.count()).where(Declaration.withdrawn_at.is_(None)))
        assert live == demo.DECLARANTS - demo.WITHDRAWN
        people = db.session.scalars(select(User).where(User.email.like("coworking.demo.%"))).all()
        assert len(people) == demo.DECLARANTS
        assert len({person.password_hash for person in people}) == 1  # one hash of a password nobody knows
        assert not any(person.is_admin for person in people)
        assert not db.session.scalar(select(func.count()).select_from(Councillorship))
    html = client.get(f"/interest/{call_id}/summary").get_data(as_text=True)
    assert f"{demo.DECLARANTS - demo.WITHDRAWN} manifestazioni di interesse" in html
    assert client.get(f"/interest/{call_id}").status_code == 200


def test_the_demo_puts_the_call_in_the_consultation_the_consultations_demo_made(in_app):
    with in_app():
        novi = make_body("comune-di-novi-ligure", "Comune di Novi Ligure")
        existing = make_consultation(novi, slug="coworking-novi-ligure", title="Coworking a Novi")
        context = {"bodies": {"novi": novi}, "consultations": {"novi": existing}}
        call = demo.load(context, lambda _line: None)["call"]
        assert call.consultation_id == existing.id
        assert db.session.scalar(select(func.count()).select_from(Consultation)) == 1


def test_the_consultation_page_shows_the_call(client, in_app):
    with in_app():
        novi = make_body("comune-di-novi-ligure", "Comune di Novi Ligure")
        consultation = make_consultation(novi, slug="coworking-novi-ligure")
        call = demo.load({"bodies": {"novi": novi}, "consultations": {"novi": consultation}},
                         lambda _line: None)["call"]
        title = call.title
    html = client.get("/consultations/coworking-novi-ligure/").get_data(as_text=True)
    assert title in html and f"Finora {demo.DECLARANTS - demo.WITHDRAWN} manifestazioni di interesse." in html
    assert "Si apre la manifestazione di interesse" in html  # on the timeline
