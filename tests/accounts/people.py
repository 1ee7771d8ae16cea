"""A citizen with something of every kind Civic keeps about a person, and another citizen beside her, for the
"download my data" and "delete my account" tests. Survey answers go through the real survey page."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from civic.accounts import services as account_services
from civic.database import db, utcnow
from civic.interest.models import Need, Role
from civic.meetings.models import RegistrationStatus
from civic.motions.models import MotionSupport
from civic.surveys.models import Audience, QuestionKind
from tests.comments.factories import make_comment
from tests.consultations.factories import make_consultation
from tests.factories import make_body, make_user
from tests.interest.factories import make_call, make_declaration
from tests.meetings.factories import make_meeting, make_registration
from tests.motions.factories import make_motion
from tests.surveys.factories import add_question, make_survey
from tests.surveys.support import answer

CARLA = "carla@example.org"
BRUNO = "bruno@example.org"
ADA = "ada@example.org"
NAMED_ANSWER = "Una biblioteca aperta la sera"
ANONYMOUS_ANSWER = "Risposta segreta di Carla"
BRUNO_ANSWER = "Un parcheggio per le biciclette"


@dataclass(frozen=True)
class Scene:
    carla: int
    bruno: int
    motion: int
    meeting: int
    named_survey: int
    anonymous_survey: int
    named_question: int
    anonymous_question: int
    call: int


def build_scene() -> Scene:
    """Carla: a confirmed seat (the meeting's only one; Bruno waits), a support, a comment with Bruno's reply,
    a declaration of interest, a councillor role granted by Ada (an audit line about her). Bruno: his own
    support, declaration and comment. Call in an app context; the surveys are answered afterwards."""
    body = make_body("comune-di-novi-ligure", "Comune di Novi Ligure")
    consultation = make_consultation(body, title="Coworking a Novi Ligure")
    ada = make_user(ADA, name="Ada Amministratrice", admin=True)
    carla = make_user(CARLA, name="Carla Cittadina")
    bruno = make_user(BRUNO, name="Bruno Bianchi")
    account_services.grant_councillor(ada, carla, body)

    motion = make_motion(body, title="Mozione per il coworking")
    db.session.add_all([MotionSupport(motion_id=motion.id, user_id=carla.id),
                        MotionSupport(motion_id=motion.id, user_id=bruno.id)])
    db.session.commit()
    comment = make_comment(carla, "Servono spazi per chi lavora da casa.", motion=motion)
    make_comment(bruno, "Sono d'accordo con Carla.", motion=motion, parent=comment)

    meeting = make_meeting(consultation, title="Tavolo di lavoro sul coworking", capacity=1)
    seat = make_registration(meeting, carla, queued_at=utcnow() - dt.timedelta(hours=2))
    seat.note = "Arrivo alle 18"
    seat.accessibility_needs = "Interprete LIS"
    make_registration(meeting, bruno, status=RegistrationStatus.WAITLISTED,
                      queued_at=utcnow() - dt.timedelta(hours=1))

    named = make_survey(consultation, title="Idee per il coworking", audience=Audience.REGISTERED,
                        anonymous=False)
    named_question = add_question(named, QuestionKind.SHORT_TEXT, "Che cosa proponi?")
    anonymous = make_survey(consultation, title="Questionario anonimo")
    anonymous_question = add_question(anonymous, QuestionKind.SHORT_TEXT, "Che cosa pensi davvero?")

    call = make_call(consultation, title="Manifestazione di interesse per il coworking")
    make_declaration(call, carla, role=Role.USER, needs=(Need.HOT_DESK, Need.CHILDCARE), notes="Due giorni")
    make_declaration(call, bruno, notes="Note di Bruno")
    db.session.commit()
    return Scene(carla.id, bruno.id, motion.id, meeting.id, named.id, anonymous.id, named_question.id,
                 anonymous_question.id, call.id)


def answer_surveys(client, auth, scene: Scene) -> None:
    """Carla answers both surveys and Bruno the named one, through the survey page; Carla stays logged in."""
    auth.login(BRUNO)
    assert answer(client, scene.named_survey, {f"q{scene.named_question}": BRUNO_ANSWER}).status_code == 302
    auth.logout()
    auth.login(CARLA)
    assert answer(client, scene.named_survey, {f"q{scene.named_question}": NAMED_ANSWER}).status_code == 302
    assert answer(client, scene.anonymous_survey,
                  {f"q{scene.anonymous_question}": ANONYMOUS_ANSWER}).status_code == 302
