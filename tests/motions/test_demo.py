"""The Genova demo (seed 000): Walter Vassallo's coworking motion, approved by Municipio IX Levante on
16 May 2013 with unknown vote counts, and the planned working table; loading twice changes nothing."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from civic.bodies.services import ensure_body
from civic.consultations import demo as consultations_demo
from civic.consultations.models import Consultation, ConsultationStatus
from civic.database import db
from civic.motions import demo as motions_demo
from civic.motions.models import Milestone, Motion, MotionStatus


def _load_twice():
    genova = ensure_body("comune-di-genova", "Comune di Genova")
    levante = ensure_body("municipio-ix-levante", "Municipio IX Levante", parent=genova)
    context = {"bodies": {"genova": genova, "levante": levante}, "people": {}}
    for _ in range(2):
        context["consultations"] = consultations_demo.load(context, echo=lambda _line: None)
        context["motions"] = motions_demo.load(context, echo=lambda _line: None)
    return context


def test_demo_tells_the_genova_story_once(app, client):
    with app.app_context():
        context = _load_twice()
        motion_id = context["motions"]["genova"].id
        assert db.session.scalar(select(func.count(Consultation.id))) == 1
        assert db.session.scalar(select(func.count(Motion.id))) == 1
        assert db.session.scalar(select(func.count(Milestone.id))) == 1
        motion = db.session.get(Motion, motion_id)
        assert motion.status == MotionStatus.APPROVED
        assert motion.voted_on == dt.date(2013, 5, 16)
        assert motion.filed_on is None and not motion.counts_known
        assert ([p.name for p in motion.proposers] == ["Walter Vassallo"]
                and motion.proposers[0].user_id is None)
        assert motion.consultation.status == ConsultationStatus.PUBLISHED
        assert motion.consultation.body.name == "Municipio IX Levante"
        slug = motion.consultation.slug

    page = client.get(f"/motions/{motion_id}").get_data(as_text=True)
    assert "Approvata il 16 maggio 2013." in page
    assert "I voti espressi non sono registrati: è noto solo l'esito." in page
    assert "Tavolo di lavoro con il Comune e tutti i municipi genovesi" in page
    assert "in programma" in page and "Data da definire" in page
    consultation = client.get(f"/consultations/{slug}/").get_data(as_text=True)
    assert "Mozione per la diffusione del coworking nel Comune di Genova" in consultation
    assert "Fase in corso" in consultation  # the open-ended phase towards the working table
