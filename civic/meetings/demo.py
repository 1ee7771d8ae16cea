"""Demo meetings from the seeds: the Novi Ligure public meeting of 14 February 2015 (held), and the Genova
working table with the Comune and all the municipi (upcoming, limited seats, so a newcomer can RSVP).
Idempotent: meetings are found by title before anything is created; the consultations come from the
consultations demo."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import select

from civic.consultations.models import Consultation
from civic.core.timezone import ROME
from civic.database import db, utcnow
from civic.meetings.models import (
    DEFAULT_AUDIENCES,
    AgendaItem,
    Meeting,
    MeetingStatus,
    QuestionKind,
    Quota,
    RegistrationQuestion,
    Reminder,
)

NOVI_DESCRIPTION = """\
L'Amministrazione comunale di Novi Ligure ha avviato un percorso di politica attiva del lavoro e di economia
collaborativa: l'apertura del primo spazio di coworking della città.

L'incontro serve a far conoscere il coworking e a capire, insieme a cittadini, imprenditori, professionisti,
partite IVA e associazioni di categoria, **potenzialità, rischi e vantaggi** di uno spazio di questo tipo, e
chi potrebbe esserne utente oppure gestore.

Accompagna l'Amministrazione Proteina, con il racconto dell'esperienza di lab121; il Sindaco di Veglio porta
la testimonianza del primo coworking gestito direttamente da un Comune.
"""

NOVI_MINUTES = """\
Sintesi dell'incontro ricostruita dal programma annunciato (dati dimostrativi).

- L'Amministrazione ha presentato il percorso per l'apertura del primo spazio di coworking di Novi Ligure,
  inteso come strumento di politica attiva del lavoro e di economia collaborativa.
- Mico Rao (Proteina) ha raccontato il lavoro condiviso a partire da lab121: il coworking non solo come
  affitto di postazioni, ma come comunità multiprofessionale attiva sul territorio.
- Marco Pichetto, Sindaco di Veglio, ha raccontato il primo caso di coworking gestito direttamente da
  un'amministrazione comunale.
- Nella discussione aperta i partecipanti hanno parlato di potenzialità, rischi e vantaggi dello spazio.

Prossimo passo: raccogliere le manifestazioni di interesse di futuri utenti e possibili gestori dello spazio.
"""

GENOVA_DESCRIPTION = """\
Il Municipio IX Levante ha approvato la mozione del consigliere Walter Vassallo per diffondere il coworking
a Genova. Ora parte il **tavolo di lavoro** con il Comune di Genova e tutti i municipi.

L'incontro è aperto a chi lavora o vorrebbe lavorare in uno spazio condiviso, a chi potrebbe gestirne uno e
alle associazioni di categoria. I posti sono limitati: iscriviti per avere il biglietto.
"""


def _meeting(consultation: Consultation, title: str, agenda: list[tuple], **fields) -> tuple[Meeting, bool]:
    meeting = db.session.scalar(
        select(Meeting).where(Meeting.consultation_id == consultation.id, Meeting.title == title)
    )
    if meeting is not None:
        return meeting, False
    meeting = Meeting(consultation_id=consultation.id, title=title, confirmed_count=0, **fields)
    for position, (time, item, speaker, affiliation) in enumerate(agenda, start=1):
        meeting.agenda_items.append(
            AgendaItem(position=position, time=time, title=item, speaker=speaker, affiliation=affiliation)
        )
    db.session.add(meeting)
    db.session.flush()
    return meeting, True


def _registration_form(meeting: Meeting) -> bool:
    """The Novi Ligure registration form: two questions and seats kept per category (once)."""
    if meeting.questions:
        return False
    meeting.questions.extend([
        RegistrationQuestion(position=1, kind=QuestionKind.YES_NO, required=True,
                 label="Ti interessa lavorare nel futuro spazio di coworking?"),
        RegistrationQuestion(position=2, kind=QuestionKind.CHOICE, required=False,
                 label="Come hai saputo dell'incontro?",
                 choices=["Sito del Comune", "Giornale locale", "Associazione di categoria", "Passaparola"]),
    ])
    meeting.quotas.extend([Quota(category="cittadini", seats=40, taken=0),
                           Quota(category="associazioni di categoria", seats=10, taken=0)])
    meeting.companions_max = 1
    return True


def load(context: dict, echo: Callable[[str], None] = print) -> dict:
    """Create the two demo meetings if they are missing; returns them."""
    novi, genova = context["consultations"]["novi"], context["consultations"]["genova"]
    held, created = _meeting(
        novi, "Incontro pubblico sul coworking a Novi Ligure",
        [
            (dt.time(9, 0), "Introduzione dell'Amministrazione comunale", "", "Comune di Novi Ligure"),
            (None, "Il lavoro condiviso e l'esperienza di lab121", "Mico Rao", "Proteina"),
            (None, "Il primo coworking gestito direttamente da un Comune", "Marco Pichetto",
             "Sindaco di Veglio"),
            (None, "Discussione aperta: potenzialità, rischi e vantaggi di uno spazio di coworking", "", ""),
        ],
        description=NOVI_DESCRIPTION,
        starts_at=dt.datetime(2015, 2, 14, 9, 0, tzinfo=ROME),
        ends_at=dt.datetime(2015, 2, 14, 12, 0, tzinfo=ROME),
        venue_name="Biblioteca Civica",
        venue_address="Via Marconi 36, Novi Ligure",
        audiences=list(DEFAULT_AUDIENCES),
        status=MeetingStatus.HELD,
        minutes=NOVI_MINUTES,
    )
    if created:
        echo("  meeting: Novi Ligure, 14 February 2015 (held)")
    if _registration_form(held):
        echo("  meeting: Novi Ligure registration form (2 questions, seats for cittadini and associazioni)")
    # A few weeks after the demo is loaded, at 17:30 in Genova.
    day = (utcnow().astimezone(ROME) + dt.timedelta(days=21)).date()
    starts = dt.datetime.combine(day, dt.time(17, 30), tzinfo=ROME)
    upcoming, created = _meeting(
        genova, "Tavolo di lavoro sul coworking con il Comune e tutti i municipi",
        [
            (dt.time(17, 30), "Saluti del Municipio IX Levante", "", "Municipio IX Levante"),
            (dt.time(17, 40), "La mozione sul coworking approvata dal Municipio Levante", "Walter Vassallo",
             "Consigliere del Municipio IX Levante"),
            (dt.time(18, 0), "Comune e municipi: una rete di spazi di coworking in città", "", ""),
            (dt.time(18, 45), "Discussione aperta e prossimi passi", "", ""),
        ],
        description=GENOVA_DESCRIPTION,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        venue_name="Sede del Municipio IX Levante",
        venue_address="Genova",
        capacity=30,
        registration_opens_at=utcnow(),
        registration_closes_at=starts - dt.timedelta(hours=2),
        audiences=list(DEFAULT_AUDIENCES),
        status=MeetingStatus.SCHEDULED,
    )
    if created:
        upcoming.reminders.extend(Reminder(hours_before=hours, due_at=starts - dt.timedelta(hours=hours))
                                  for hours in (168, 24))
        echo(f"  meeting: Genova working table on {day.isoformat()} (30 seats)")
    db.session.commit()
    return {"novi": held, "genova": upcoming}
