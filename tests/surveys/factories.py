"""Surveys for tests, built directly with the models (the builder's forms have their own tests). Call inside
an app context; each factory commits what it makes."""
from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass

from civic.database import db
from civic.surveys.models import (
    Audience,
    MatrixRow,
    Question,
    QuestionKind,
    QuestionOption,
    Survey,
    SurveySection,
    SurveyStatus,
)

_sequence = itertools.count(1)


def make_survey(consultation, title: str | None = None, status: SurveyStatus = SurveyStatus.OPEN,
                audience: Audience = Audience.ANYONE, anonymous: bool = True, **fields) -> Survey:
    survey = Survey(consultation_id=consultation.id, title=title or f"Questionario {next(_sequence)}",
                    status=status, audience=audience, anonymous=anonymous, **fields)
    survey.sections.append(SurveySection(position=1, title="", description=""))
    db.session.add(survey)
    db.session.commit()
    return survey


def add_section(survey: Survey, title: str = "", condition: QuestionOption | None = None,
                negate: bool = False) -> SurveySection:
    section = SurveySection(position=len(survey.sections) + 1, title=title, description="",
                            condition_option_id=condition.id if condition else None, condition_negate=negate)
    survey.sections.append(section)
    db.session.commit()
    return section


def add_question(survey: Survey, kind: QuestionKind, prompt: str | None = None, options=(), rows=(),
                 required: bool = False, settings: dict | None = None, has_other: bool = False,
                 condition: QuestionOption | None = None, negate: bool = False,
                 section: SurveySection | None = None, flush_only: bool = False) -> Question:
    section = section or survey.sections[-1]
    question = Question(
        survey=survey, section=section, kind=kind, prompt=prompt or f"Domanda {next(_sequence)}",
        position=len(section.questions) + 1, required=required, settings=settings or {}, has_other=has_other,
        condition_option_id=condition.id if condition else None, condition_negate=negate,
    )
    question.options = [QuestionOption(position=i, label=label) for i, label in enumerate(options, start=1)]
    question.rows = [MatrixRow(position=i, label=label) for i, label in enumerate(rows, start=1)]
    db.session.add(question)
    db.session.flush() if flush_only else db.session.commit()
    return question


@dataclass(frozen=True)
class Q:
    """A question as plain ids, usable outside the app context (the test client pushes its own)."""

    id: int
    options: dict[str, int]
    rows: list[int]

    def option(self, label: str) -> str:
        return str(self.options[label])


def snapshot(question: Question) -> Q:
    return Q(question.id, {o.label: o.id for o in question.options}, [r.id for r in question.rows])


def option(question: Question, label: str) -> QuestionOption:
    return next(o for o in question.options if o.label == label)


def every_kind(survey: Survey, required: bool = True) -> dict[str, Q]:
    """One question of every kind, the "comments" one shown only to people who chose "Sì" in "help"."""
    add = functools.partial(add_question, flush_only=True)
    q = {
        "name": add(survey, QuestionKind.SHORT_TEXT, "Come ti chiami?", required=required,
                    settings={"max_length": 40}),
        "role": add(survey, QuestionKind.SINGLE_CHOICE, "Chi sei?",
                    ["Cittadino", "Imprenditore", "Professionista"], required=required, has_other=True),
        "needs": add(survey, QuestionKind.MULTIPLE_CHOICE, "Di cosa avresti bisogno?",
                     ["Wi-Fi", "Sala riunioni", "Stampante", "Caffè"], required=required,
                     settings={"min_choices": 2, "max_choices": 3}, has_other=True),
        "interest": add(survey, QuestionKind.SCALE, "Quanto ti interessa?", required=required,
                        settings={"min": 1, "max": 5, "min_label": "Per niente", "max_label": "Moltissimo"}),
        "days": add(survey, QuestionKind.NUMBER, "Quanti giorni al mese?", required=required,
                    settings={"min": 0, "max": 31, "integer": True}),
        "start": add(survey, QuestionKind.DATE, "Da quando?", required=required),
        "priorities": add(survey, QuestionKind.RANKING, "Ordina le priorità",
                          ["Prezzo", "Orari", "Posizione"], required=required),
        "rating": add(survey, QuestionKind.MATRIX, "Valuta gli aspetti", ["Bene", "Male"],
                      rows=["Spazi", "Servizi"], required=required),
        "help": add(survey, QuestionKind.SINGLE_CHOICE, "Aiuteresti a gestirlo?", ["Sì", "No"],
                    required=required),
    }
    q["comments"] = add(survey, QuestionKind.LONG_TEXT, "Come vorresti aiutare?", required=True,
                        condition=option(q["help"], "Sì"))
    db.session.commit()
    return {key: snapshot(question) for key, question in q.items()}


def good_answers(q: dict[str, Q]) -> dict:
    """A complete, valid form submission for every_kind()."""
    priorities, rating = q["priorities"], q["rating"]
    return {
        f"q{q['name'].id}": "Giulia",
        f"q{q['role'].id}": q["role"].option("Imprenditore"),
        f"q{q['needs'].id}": [q["needs"].option("Wi-Fi"), q["needs"].option("Caffè")],
        f"q{q['interest'].id}": "4",
        f"q{q['days'].id}": "12",
        f"q{q['start'].id}": "2015-03-01",
        f"q{priorities.id}-o{priorities.options['Prezzo']}": "2",
        f"q{priorities.id}-o{priorities.options['Orari']}": "1",
        f"q{priorities.id}-o{priorities.options['Posizione']}": "3",
        f"q{rating.id}-r{rating.rows[0]}": rating.option("Bene"),
        f"q{rating.id}-r{rating.rows[1]}": rating.option("Male"),
        f"q{q['help'].id}": q["help"].option("Sì"),
        f"q{q['comments'].id}": "Posso aprire la sala il sabato.",
    }
