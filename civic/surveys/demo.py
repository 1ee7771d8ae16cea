"""Demo survey from the Novi Ligure story (seed 003): the questionnaire on a coworking space that the public
meeting of 14 February 2015 at the Biblioteca Civica opened to citizens, entrepreneurs, professionals,
VAT-number workers and trade associations, with a few hundred generated responses (fixed random seed) so the
results have something to show. Idempotent: the consultation is found by slug, the survey by title, before
anything is made."""
from __future__ import annotations

import datetime as dt
import random
import secrets
from collections.abc import Callable

from sqlalchemy import insert, select
from werkzeug.datastructures import MultiDict

from civic.consultations.models import Consultation
from civic.core.timezone import ROME
from civic.database import db
from civic.surveys import validation
from civic.surveys.models import (
    Answer,
    Audience,
    Channel,
    MatrixRow,
    Participation,
    Question,
    QuestionKind,
    QuestionOption,
    Response,
    ResultsVisibility,
    Survey,
    SurveySection,
    SurveyStatus,
)

TITLE = "Uno spazio di coworking a Novi Ligure: che cosa ne pensi?"
RESPONSES = 320
SEED = 20150214

INTRODUCTION = """\
Il Comune di Novi Ligure vuole aprire il **primo spazio di coworking della città**, come strumento di politica
attiva del lavoro e di economia collaborativa. Dopo l'incontro pubblico del 14 febbraio 2015 alla Biblioteca
Civica vogliamo sapere da cittadini, imprenditori, professionisti, partite IVA e associazioni di categoria
che cosa ne pensate: chi lo userebbe, che cosa servirebbe, quali vantaggi e quali rischi vedete, e chi sarebbe
disposto a dare una mano a gestirlo.

Bastano cinque minuti. Le risposte sono anonime.
"""
THANK_YOU = """\
Grazie! Le tue risposte aiuteranno l'Amministrazione a decidere come e dove aprire lo spazio di coworking.
I risultati saranno pubblicati su questa piattaforma.
"""

ROLES = ["Cittadino o cittadina", "Imprenditore o imprenditrice", "Libero professionista",
         "Lavoratore o lavoratrice con partita IVA", "Associazione di categoria"]
AGES = ["Meno di 25 anni", "25–34 anni", "35–44 anni", "45–54 anni", "55–64 anni", "65 anni e più"]
AREAS = ["Centro", "Vicino alla stazione", "Pieve", "Merella", "Fuori Novi Ligure"]
FREQUENCY = ["Mai", "Qualche volta all'anno", "Qualche volta al mese", "Una o due volte a settimana",
             "Quasi ogni giorno"]
NEEDS = ["Postazione fissa", "Postazione a ore o a giornata", "Sala riunioni", "Connessione internet veloce",
         "Stampante e scanner", "Domiciliazione della sede", "Spazio per eventi e formazione",
         "Servizio per i bambini"]
PRIORITIES = ["Prezzo accessibile", "Orari ampi", "Vicinanza alla stazione", "Una comunità di professionisti"]
ADVANTAGES = ["Costi più bassi di un ufficio", "Contatti e collaborazioni",
              "Meno isolamento per chi lavora da solo", "Nuovi posti di lavoro in città",
              "Un centro storico più vivo", "Meno spostamenti verso Genova, Milano o Alessandria"]
RISKS = ["Pochi utenti, spazio vuoto", "Costi di gestione a carico del Comune",
         "Concorrenza con uffici e attività esistenti", "Difficile trovare chi lo gestisca",
         "Orari e regole poco flessibili"]
AGREEMENT = ["Per niente d'accordo", "Poco d'accordo", "Abbastanza d'accordo", "Molto d'accordo"]
STATEMENTS = ["Il Comune deve sostenere il coworking", "Il coworking può creare lavoro a Novi Ligure",
              "Uno spazio condiviso fa nascere nuove imprese"]
HELP = ["Sì, come gestore o in una cooperativa", "Sì, come volontario", "Forse, vorrei saperne di più", "No"]
COMMENTS = [
    "Sarebbe bello averlo vicino alla stazione, molti di noi vanno a Milano in treno.",
    "Serve una connessione davvero veloce, altrimenti non funziona.",
    "Lo spazio dovrebbe essere aperto anche il sabato mattina.",
    "Proporrei corsi di formazione per chi apre la partita IVA.",
    "Attenzione ai costi: deve reggersi da solo, non con i soldi del Comune.",
    "Potrebbe ospitare anche incontri delle associazioni.",
    "Un angolo per i bambini aiuterebbe molto i genitori che lavorano.",
    "Ottima idea, a Novi mancano luoghi dove incontrarsi per lavoro.",
]
CONTRIBUTIONS = [
    "Potrei occuparmi dell'accoglienza un paio di pomeriggi a settimana.",
    "Ho esperienza di gestione di una cooperativa, posso aiutare nel progetto.",
    "Posso organizzare incontri di formazione sul digitale.",
    "Metto a disposizione le mie competenze di contabilità.",
]

# (kind, prompt, options, rows, settings, has_other, required, help text)
SECTIONS = [
    ("Chi sei", "", [
        (QuestionKind.SINGLE_CHOICE, "Chi sei?", ROLES, [], {}, True, True,
         "Scegli la voce che ti descrive meglio."),
        (QuestionKind.SINGLE_CHOICE, "Quanti anni hai?", AGES, [], {}, False, False, ""),
        (QuestionKind.SHORT_TEXT, "In quale zona vivi o lavori?", [], [], {"max_length": 80}, False, False,
         "Per esempio: centro, vicino alla stazione, Pieve."),
    ]),
    ("Il coworking e tu", "", [
        (QuestionKind.SINGLE_CHOICE, "Quanto spesso useresti uno spazio di coworking a Novi Ligure?",
         FREQUENCY, [], {}, False, True, ""),
        (QuestionKind.MULTIPLE_CHOICE, "Di che cosa avresti bisogno?", NEEDS, [],
         {"min_choices": 1, "max_choices": 4}, True, False, ""),
        (QuestionKind.RANKING, "Che cosa conta di più per te?", PRIORITIES, [], {}, False, False, ""),
        (QuestionKind.NUMBER, "Quanto spenderesti al mese per una postazione (in euro)?", [], [],
         {"min": 0, "max": 1000, "integer": True}, False, False, "Una cifra indicativa."),
        (QuestionKind.DATE, "Da quando potresti iniziare a usarlo?", [], [], {}, False, False, ""),
        (QuestionKind.SCALE, "Quanto ti interessa l'apertura di uno spazio di coworking in città?", [], [],
         {"min": 1, "max": 5, "min_label": "Per niente", "max_label": "Moltissimo"}, False, True, ""),
    ]),
    ("Vantaggi e rischi", "Che cosa porterebbe di buono alla città, e che cosa ti preoccupa.", [
        (QuestionKind.MULTIPLE_CHOICE, "Quali vantaggi vedi?", ADVANTAGES, [], {}, True, False, ""),
        (QuestionKind.MULTIPLE_CHOICE, "Quali rischi vedi?", RISKS, [], {}, True, False, ""),
        (QuestionKind.MATRIX, "Quanto sei d'accordo con queste affermazioni?", AGREEMENT, STATEMENTS, {},
         False, False, ""),
    ]),
    ("Gestione e commenti", "", [
        (QuestionKind.SINGLE_CHOICE, "Saresti disposto a dare una mano a gestire lo spazio?", HELP, [], {},
         False, True, ""),
        (QuestionKind.LONG_TEXT, "Come potresti contribuire?", [], [], {"max_length": 1000}, False, False,
         ""),
        (QuestionKind.LONG_TEXT, "Commenti e proposte", [], [], {"max_length": 2000}, False, False,
         "Tutto quello che vuoi dire all'Amministrazione."),
    ]),
]


def _build(consultation: Consultation) -> Survey:
    survey = Survey(
        consultation_id=consultation.id, title=TITLE, introduction=INTRODUCTION, thank_you=THANK_YOU,
        status=SurveyStatus.OPEN, audience=Audience.RESIDENT, anonymous=True,
        results_visibility=ResultsVisibility.WHILE_OPEN, opens_at=dt.datetime(2015, 2, 14, 9, 0, tzinfo=ROME),
    )
    db.session.add(survey)
    for section_position, (title, description, questions) in enumerate(SECTIONS, start=1):
        section = SurveySection(position=section_position, title=title, description=description)
        survey.sections.append(section)
        for position, (kind, prompt, options, rows, settings, has_other, required, help_text) in enumerate(
                questions, start=1):
            question = Question(survey=survey, section=section, position=position, kind=kind, prompt=prompt,
                                help_text=help_text, required=required, settings=settings,
                                has_other=has_other)
            question.options = [QuestionOption(position=i, label=label) for i, label in enumerate(options, 1)]
            question.rows = [MatrixRow(position=i, label=label) for i, label in enumerate(rows, 1)]
            db.session.add(question)
    db.session.flush()
    by_prompt = {q.prompt: q for q in survey.ordered_questions()}
    frequency = by_prompt["Quanto spesso useresti uno spazio di coworking a Novi Ligure?"]
    never = next(o for o in frequency.options if o.label == "Mai")
    help_question = by_prompt["Saresti disposto a dare una mano a gestire lo spazio?"]
    no_help = next(o for o in help_question.options if o.label == "No")
    # Only people who would use the space are asked about needs, priorities, budget and start date; only
    # people who might help are asked how.
    for prompt in ("Di che cosa avresti bisogno?", "Che cosa conta di più per te?",
                   "Quanto spenderesti al mese per una postazione (in euro)?",
                   "Da quando potresti iniziare a usarlo?"):
        by_prompt[prompt].condition_option_id, by_prompt[prompt].condition_negate = never.id, True
    by_prompt["Come potresti contribuire?"].condition_option_id = no_help.id
    by_prompt["Come potresti contribuire?"].condition_negate = True
    db.session.flush()
    return survey


def _respondent(survey: Survey, rng: random.Random) -> MultiDict:
    """One plausible filled-in questionnaire: people who work on their own use the space more and pay more."""
    q = {question.prompt: question for question in survey.ordered_questions()}
    form = MultiDict()

    def pick(prompt: str, weights: list[float]) -> str:
        option = rng.choices(q[prompt].options, weights=weights)[0]
        form.add(f"q{q[prompt].id}", str(option.id))
        return option.label

    role = pick("Chi sei?", [40, 14, 20, 20, 6])
    if rng.random() < 0.85:
        pick("Quanti anni hai?", [8, 24, 27, 20, 13, 8])
    if rng.random() < 0.5:
        form.add(f"q{q['In quale zona vivi o lavori?'].id}", rng.choice(AREAS))
    works_alone = role in (ROLES[2], ROLES[3])
    frequency = pick("Quanto spesso useresti uno spazio di coworking a Novi Ligure?",
                     [5, 10, 25, 35, 25] if works_alone else [30, 25, 25, 12, 8])
    if frequency != "Mai":
        needs = q["Di che cosa avresti bisogno?"]
        for option in rng.sample(needs.options, rng.randint(1, 4)):
            form.add(f"q{needs.id}", str(option.id))
        if rng.random() < 0.6:
            ranking = q["Che cosa conta di più per te?"]
            order = rng.sample(ranking.options, len(ranking.options))
            for rank, option in enumerate(order, start=1):
                form.add(f"q{ranking.id}-o{option.id}", str(rank))
        if rng.random() < 0.7:
            budget = q["Quanto spenderesti al mese per una postazione (in euro)?"]
            euros = rng.choice([0, 30, 50, 80, 100, 120, 150, 200]) + (40 if works_alone else 0)
            form.add(f"q{budget.id}", str(euros))
        if rng.random() < 0.4:
            start = dt.date(2015, 4, 1) + dt.timedelta(days=rng.randrange(0, 270))
            form.add(f"q{q['Da quando potresti iniziare a usarlo?'].id}", start.isoformat())
    interest = q["Quanto ti interessa l'apertura di uno spazio di coworking in città?"]
    form.add(f"q{interest.id}", str(rng.choices([1, 2, 3, 4, 5], weights=[5, 10, 25, 35, 25])[0]))
    for prompt, count in (("Quali vantaggi vedi?", rng.randint(1, 3)),
                          ("Quali rischi vedi?", rng.randint(0, 2))):
        for option in rng.sample(q[prompt].options, count):
            form.add(f"q{q[prompt].id}", str(option.id))
    matrix = q["Quanto sei d'accordo con queste affermazioni?"]
    if rng.random() < 0.9:
        for row in matrix.rows:
            column = rng.choices(matrix.options, weights=[8, 17, 40, 35])[0]
            form.add(f"q{matrix.id}-r{row.id}", str(column.id))
    helps = pick("Saresti disposto a dare una mano a gestire lo spazio?", [8, 14, 33, 45])
    if helps != "No" and rng.random() < 0.5:
        form.add(f"q{q['Come potresti contribuire?'].id}", rng.choice(CONTRIBUTIONS))
    if rng.random() < 0.25:
        form.add(f"q{q['Commenti e proposte'].id}", rng.choice(COMMENTS))
    return form


def _responses(survey: Survey, count: int) -> None:
    """`count` generated responses: read through the same validation as real ones, inserted in three
    statements (responses, answers, ledger entries for the web ones)."""
    rng = random.Random(SEED)
    meeting_day = dt.datetime(2015, 2, 14, 10, 0, tzinfo=ROME)
    responses, answer_sets = [], []
    for _n in range(count):
        channel = rng.choices([Channel.WEB, Channel.MEETING, Channel.PAPER], weights=[60, 25, 15])[0]
        if channel == Channel.MEETING:
            submitted = meeting_day + dt.timedelta(minutes=rng.randrange(0, 120))
        else:
            submitted = meeting_day + dt.timedelta(hours=rng.randrange(6, 24 * 35), minutes=rng.randrange(60))
        submission = validation.read_submission(survey, _respondent(survey, rng))
        if not submission.ok:
            raise RuntimeError(f"demo respondent is not valid: {submission.errors}")
        responses.append({"survey_id": survey.id, "channel": channel, "submitted_at": submitted,
                          "user_id": None})
        answer_sets.append(submission.rows)
    ids = db.session.scalars(insert(Response).returning(Response.id, sort_by_parameter_order=True),
                             responses).all()
    rows = [{**row, "response_id": response_id}
            for response_id, answers in zip(ids, answer_sets, strict=True) for row in answers]
    db.session.execute(insert(Answer).execution_options(render_nulls=True), rows)
    web = [r for r in responses if r["channel"] == Channel.WEB]
    db.session.execute(insert(Participation), [
        {"id": secrets.token_hex(16), "survey_id": survey.id, "user_id": None,
         "token_hash": secrets.token_hex(32), "answered_on": None}
        for r in web])


def load(context: dict, echo: Callable[[str], None] = print) -> dict:
    """Create the Novi Ligure coworking survey with its demo responses if it is missing; returns it."""
    consultation = context["consultations"]["novi"]
    survey = db.session.scalar(select(Survey).where(Survey.consultation_id == consultation.id,
                                                    Survey.title == TITLE))
    if survey is None:
        survey = _build(consultation)
        _responses(survey, RESPONSES)
        echo(f"  survey: {TITLE} ({RESPONSES} demo responses)")
    db.session.commit()
    return {"novi": survey}
