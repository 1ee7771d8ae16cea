"""A generated survey with known answers: every question kind, a conditional section and a negated condition,
answers drawn with a fixed seed and bulk inserted (one INSERT of many rows per table, as fast as the database
takes them). The generated answers are returned as plain Python values, so tests compute every expected figure
independently of the application."""
from __future__ import annotations

import datetime as dt
import itertools
import random
from dataclasses import dataclass, field

from sqlalchemy import insert

from civic.consultations.models import Consultation, ConsultationStatus
from civic.database import db
from civic.surveys.models import (
    Answer,
    Audience,
    Channel,
    MatrixRow,
    Question,
    QuestionKind,
    QuestionOption,
    Response,
    ResultsVisibility,
    Survey,
    SurveySection,
    SurveyStatus,
)
from tests.factories import make_body

_sequence = itertools.count(1)

WHO = ["Cittadino", "Imprenditore", "Professionista", "Partita IVA", "Associazione"]
WHO_WEIGHTS = [50, 20, 15, 12, 3]  # a rare category, so breakdowns have small cells
NEEDS = ["Postazione", "Ufficio privato", "Sala riunioni", "Spazio eventi", "Laboratorio", "Asilo"]
RANKED = ["Costo", "Posizione", "Orari", "Servizi"]
GRID_ROWS = ["Centro", "Periferia", "Frazioni"]
GRID_COLUMNS = ["Mai", "A volte", "Spesso", "Sempre"]
YES_NO = ["Sì", "No"]
REASONS = ["Lavoro da casa", "Costi", "Distanza"]
OFFICES = ["Singolo", "Condiviso"]
START = dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.UTC)


def make_consultation(body=None, status=ConsultationStatus.PUBLISHED, slug=None) -> Consultation:
    n = next(_sequence)
    consultation = Consultation(slug=slug or f"results-consultation-{n}", body_id=(body or make_body()).id,
                                title=f"Coworking {n}", status=status)
    db.session.add(consultation)
    db.session.commit()
    return consultation


@dataclass
class Generated:
    survey: Survey
    questions: dict[str, Question]
    survey_id: int = 0
    qids: dict[str, int] = field(default_factory=dict)  # usable after the session is gone
    option_ids: dict[str, dict[str, int]] = field(default_factory=dict)  # question key -> label -> option id
    row_ids: dict[str, int] = field(default_factory=dict)  # matrix row label -> id
    # One dict per response, in response id order: question key -> the value the respondent gave
    # (an option label, a list of labels, a number, a text, {option label: rank}, {row label: column label});
    # keys of questions left unanswered or not shown are absent. "who_other" / "needs_other" hold "Other"
    # texts.
    answers: list[dict] = field(default_factory=list)
    response_ids: list[int] = field(default_factory=list)
    days: list[dt.date] = field(default_factory=list)  # submission day (UTC) of each response


def _question(survey, section, position, kind, prompt, options=(), rows=(), **extra) -> Question:
    question = Question(survey=survey, section=section, position=position, kind=kind, prompt=prompt,
                        help_text="", required=False, settings=extra.pop("settings", {}), **extra)
    for index, label in enumerate(options, start=1):
        question.options.append(QuestionOption(position=index, label=label))
    for index, label in enumerate(rows, start=1):
        question.rows.append(MatrixRow(position=index, label=label))
    db.session.add(question)
    return question


def make_structure(consultation: Consultation | None = None, anonymous: bool = True,
                   visibility: ResultsVisibility = ResultsVisibility.AFTER_CLOSE,
                   status: SurveyStatus = SurveyStatus.CLOSED,
                   title: str = "Coworking a Novi Ligure") -> Generated:
    """The survey and its questions (no responses yet)."""
    consultation = consultation or make_consultation()
    survey = Survey(consultation_id=consultation.id, title=title, status=status,
                    audience=Audience.ANYONE if anonymous else Audience.REGISTERED, anonymous=anonymous,
                    results_visibility=visibility)
    first = SurveySection(position=1, title="Chi sei")
    second = SurveySection(position=2, title="Gestione")
    survey.sections.extend([first, second])
    db.session.add(survey)
    q = {
        "who": _question(survey, first, 1, QuestionKind.SINGLE_CHOICE, "Chi sei?", WHO, has_other=True),
        "needs": _question(survey, first, 2, QuestionKind.MULTIPLE_CHOICE, "Di cosa avresti bisogno?", NEEDS,
                           has_other=True),
        "often": _question(survey, first, 3, QuestionKind.SCALE, "Quanto spesso lo useresti?",
                           settings={"min": 1, "max": 5, "min_label": "Mai", "max_label": "Ogni giorno"}),
        "budget": _question(survey, first, 4, QuestionKind.NUMBER, "Quanto spenderesti al mese?",
                            settings={"min": 0, "max": 1000}),
        "rank": _question(survey, first, 5, QuestionKind.RANKING, "Cosa conta di più?", RANKED),
        "grid": _question(survey, first, 6, QuestionKind.MATRIX, "Quanto ti sposti?", GRID_COLUMNS,
                          rows=GRID_ROWS),
        "comment": _question(survey, first, 7, QuestionKind.LONG_TEXT, "Commenti"),
        "start": _question(survey, first, 8, QuestionKind.DATE, "Da quando?"),
        "help": _question(survey, first, 9, QuestionKind.SINGLE_CHOICE, "Aiuteresti a gestirlo?", YES_NO),
        "why_not": _question(survey, first, 10, QuestionKind.SINGLE_CHOICE, "Perché non una postazione?",
                             REASONS),
        "how": _question(survey, second, 1, QuestionKind.SHORT_TEXT, "Come?"),
        "hours": _question(survey, second, 2, QuestionKind.NUMBER, "Quante ore a settimana?",
                           settings={"min": 0, "max": 40, "integer": True}),
        # Two conditions that need not nest: its section's (help = Sì) and its own, on a question of the first
        # section (needs has "Ufficio privato"): who saw it is counted in SQL.
        "office": _question(survey, second, 3, QuestionKind.SINGLE_CHOICE, "Quale ufficio?", OFFICES),
    }
    db.session.flush()
    # why_not shows when "Postazione" was NOT chosen; the second section when "Sì" was chosen.
    q["why_not"].condition_option_id = q["needs"].options[0].id
    q["why_not"].condition_negate = True
    q["office"].condition_option_id = q["needs"].options[1].id
    second.condition_option_id = q["help"].options[0].id
    db.session.commit()
    return Generated(survey=survey, questions=q, survey_id=survey.id,
                     qids={key: x.id for key, x in q.items()},
                     option_ids={key: {o.label: o.id for o in x.options} for key, x in q.items()},
                     row_ids={r.label: r.id for r in q["grid"].rows})


def _draw(rng: random.Random) -> dict:
    """One respondent's answers, as values (labels), following the survey's conditions."""
    a: dict = {}
    if rng.random() < 0.95:
        if rng.random() < 0.04:
            a["who_other"] = rng.choice(["Studente", "Pensionato", "Artigiano"])
        else:
            a["who"] = rng.choices(WHO, WHO_WEIGHTS)[0]
    if rng.random() < 0.9:
        chosen = [label for label, p in zip(NEEDS, (0.6, 0.3, 0.4, 0.2, 0.1, 0.05), strict=True)
                  if rng.random() < p]
        if rng.random() < 0.05:
            a["needs_other"] = "Parcheggio"
        if chosen or "needs_other" in a:
            a["needs"] = chosen
    if rng.random() < 0.85:
        a["often"] = rng.choices([1, 2, 3, 4, 5], [5, 10, 30, 35, 20])[0]
    if rng.random() < 0.8:
        a["budget"] = rng.choice([0, 25, 50, 75.5, 100, 150, 200, 300, 1000])
    if rng.random() < 0.7:
        order = RANKED[:]
        rng.shuffle(order)
        a["rank"] = {label: position for position, label in enumerate(order, start=1)}
    if rng.random() < 0.8:
        cells = {row: rng.choice(GRID_COLUMNS) for row in GRID_ROWS if rng.random() < 0.9}
        if cells:
            a["grid"] = cells
    if rng.random() < 0.3:
        a["comment"] = rng.choice(["Ottima idea", "Serve il wifi", "Più parcheggi, per favore", "Bene così"])
    if rng.random() < 0.5:
        a["start"] = (dt.date(2024, 6, 1) + dt.timedelta(days=rng.randrange(0, 200))).isoformat()
    if rng.random() < 0.9:
        a["help"] = rng.choices(YES_NO, [30, 70])[0]
    if "Postazione" not in a.get("needs", []) and rng.random() < 0.8:
        a["why_not"] = rng.choice(REASONS)
    if a.get("help") == "Sì":
        if rng.random() < 0.6:
            a["how"] = rng.choice(["Accoglienza", "Pulizie", "Eventi"])
        if rng.random() < 0.9:
            a["hours"] = rng.randrange(0, 41)
        if "Ufficio privato" in a.get("needs", []) and rng.random() < 0.7:
            a["office"] = rng.choice(OFFICES)
    return a


def _rows(g: Generated, values: dict) -> list[dict]:
    """The answer rows of one response, stored as the surveys feature stores them."""
    opt, rows_of = g.option_ids, g.row_ids
    out = []

    def row(key, **kw):
        out.append({"question_id": g.qids[key], "option_id": None, "row_id": None, "rank": None,
                    "number": None, "text": None, **kw})

    if "who" in values:
        row("who", option_id=opt["who"][values["who"]])
    if "who_other" in values:
        row("who", text=values["who_other"])
    for label in values.get("needs", []):
        row("needs", option_id=opt["needs"][label])
    if "needs_other" in values:
        row("needs", text=values["needs_other"])
    for key in ("often", "budget", "hours"):
        if key in values:
            row(key, number=float(values[key]))
    for label, rank in values.get("rank", {}).items():
        row("rank", option_id=opt["rank"][label], rank=rank)
    for row_label, column in values.get("grid", {}).items():
        row("grid", option_id=opt["grid"][column], row_id=rows_of[row_label])
    for key in ("comment", "start", "how"):
        if key in values:
            row(key, text=values[key])
    for key in ("help", "why_not", "office"):
        if key in values:
            row(key, option_id=opt[key][values[key]])
    return out


def add_responses(g: Generated, count: int, seed: int = 7, days: int = 10, users: list | None = None,
                  chunk: int = 5000) -> Generated:
    """`count` generated responses (bulk inserted), spread over `days` days from START. `users`: for a named
    survey, the respondents' users in order (one each)."""
    rng = random.Random(seed)
    for start in range(0, count, chunk):
        size = min(chunk, count - start)
        drawn = [_draw(rng) for _ in range(size)]
        moments = [START + dt.timedelta(days=(start + i) % days, minutes=(start + i) % 600)
                   for i in range(size)]
        responses = [{"survey_id": g.survey_id, "channel": Channel.WEB.value, "submitted_at": moment,
                      "user_id": users[start + i].id if users else None} for i, moment in enumerate(moments)]
        connection = db.session.connection()
        ids = list(connection.execute(
            insert(Response.__table__).returning(Response.__table__.c.id, sort_by_parameter_order=True),
            responses).scalars())
        answer_rows = [{**r, "response_id": response_id}
                       for response_id, values in zip(ids, drawn, strict=True)
                       for r in _rows(g, values)]
        if answer_rows:
            connection.execute(insert(Answer.__table__), answer_rows)
        g.answers.extend(drawn)
        g.response_ids.extend(ids)
        g.days.extend(moment.date() for moment in moments)
    db.session.commit()
    return g


def make_generated(count: int, seed: int = 7, **structure) -> Generated:
    return add_responses(make_structure(**structure), count, seed=seed)

