"""Revision 0005 drops the CHECK that listed the question kinds: existing questions, options and answers stay
as they were (SQLite rebuilds the table, with foreign keys enforced again afterwards), any kind's name can be
stored, and a downgrade puts the CHECK back, refusing while questions of a later kind exist."""
from __future__ import annotations

import pytest
from alembic import command
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from civic import create_app
from civic.database import db
from civic.surveys.models import Answer, Question, QuestionOption, Response, Survey, SurveySection
from tests.consultations.factories import make_consultation
from tests.core.test_migrations import empty_database_url  # noqa: F401 (a fixture)
from tests.factories import make_body

# Columns later revisions added that the models fill in (0011, 0018, 0019): lent for the set-up at 0004 only.
LENT = [("surveys", "audience_level", "INTEGER"), ("consultations", "comment_audience", "VARCHAR(20)"),
        ("consultations", "comment_audience_level", "INTEGER"), ("survey_responses", "verified", "BOOLEAN"),
        ("survey_sections", "condition_any", "BOOLEAN"), ("survey_questions", "condition_any", "BOOLEAN")]


def _counts() -> list[int]:
    return [db.session.scalar(select(func.count()).select_from(model))
            for model in (Question, QuestionOption, Response, Answer)]


def _insert(model, **values) -> int:
    return db.session.execute(model.__table__.insert().values(**values)).inserted_primary_key[0]


def _insert_question(section_id: int, survey_id: int, kind: str) -> None:
    db.session.execute(text(
        "INSERT INTO survey_questions (survey_id, section_id, position, kind, prompt, help_text, required, "
        "settings, has_other, condition_negate) "
        "VALUES (:survey, :section, 9, :kind, 'Nuova?', '', false, '{}', false, false)"),
        {"survey": survey_id, "section": section_id, "kind": kind})
    db.session.commit()


def test_the_kinds_check_goes_and_comes_back_without_touching_the_answers(empty_database_url):  # noqa: F811
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(revision="0004")
        # Core inserts of the columns revision 0004 has (the models may have more by now); the models.
        # defaults for later columns (LENT) are lent those columns for the set-up only, then taken back.
        for table, name, kind in LENT:
            db.session.execute(text(f"ALTER TABLE {table} ADD COLUMN {name} {kind}"))
        consultation = make_consultation(make_body())
        survey_id = _insert(Survey, consultation_id=consultation.id, title="Q", status="open",
                            audience="anyone", anonymous=True)
        section_id = _insert(SurveySection, survey_id=survey_id, position=1, title="", description="")
        gate_id = _insert(Question, survey_id=survey_id, section_id=section_id, position=1,
                          kind="single_choice", prompt="Chi sei?")
        first = _insert(QuestionOption, question_id=gate_id, position=1, label="Cittadino")
        second = _insert(QuestionOption, question_id=gate_id, position=2, label="Impresa")
        _insert(Question, survey_id=survey_id, section_id=section_id, position=2, kind="short_text",
                prompt="Perché?", condition_option_id=second)
        response_id = _insert(Response, survey_id=survey_id, channel="web")
        _insert(Answer, response_id=response_id, question_id=gate_id, option_id=first)
        db.session.commit()
        ids = survey_id, section_id
        with pytest.raises(IntegrityError):
            _insert_question(ids[1], ids[0], "yes_no")
        db.session.rollback()
        before = _counts()
        db.session.remove()
        for table, name, _kind in LENT:
            db.session.execute(text(f"ALTER TABLE {table} DROP COLUMN {name}"))
        db.session.commit()
        db.session.remove()

        upgrade(revision="0005")
        assert _counts() == before == [2, 2, 1, 1]
        moved = select(Question.condition_option_id).where(Question.id == gate_id + 1)
        assert db.session.scalar(moved) == second
        _insert_question(ids[1], ids[0], "yes_no")  # the database no longer lists the kinds
        with pytest.raises(IntegrityError):  # and still enforces its references
            db.session.execute(Answer.__table__.insert().values(response_id=response_id, question_id=gate_id,
                                                                option_id=first + 999))
            db.session.commit()
        db.session.rollback()
        db.session.remove()

        # Through Alembic itself: Flask-Migrate's command logs the reason and exits.
        with pytest.raises(RuntimeError, match=r"kinds revision 0004 does not know exist \(yes_no\)"):
            command.downgrade(app.extensions["migrate"].migrate.get_config(), "0004")
        db.session.execute(text("DELETE FROM survey_questions WHERE kind = 'yes_no'"))
        db.session.commit()
        db.session.remove()
        downgrade(revision="0004")
        assert _counts() == before
        with pytest.raises(IntegrityError):
            _insert_question(ids[1], ids[0], "yes_no")
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()
