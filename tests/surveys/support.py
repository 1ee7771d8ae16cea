"""Helpers the survey tests share: answering through the real page, reading back what was stored."""
from __future__ import annotations

from sqlalchemy import func, select

from civic.database import db
from civic.surveys import batches
from civic.surveys.models import Answer, Participation, Response
from tests.conftest import csrf_token


def answer(client, survey_id: int, data: dict, **kwargs):
    """Open the survey page as a browser does, then send `data` with the page's CSRF token."""
    page = client.get(f"/surveys/{survey_id}")
    assert page.status_code == 200, page.status_code
    return client.post(f"/surveys/{survey_id}",
                       data={"csrf_token": csrf_token(page.get_data(as_text=True)), **data}, **kwargs)


def stored_answers(survey_id: int) -> list[tuple]:
    """(question id, option id, row id, rank, number, text) of every stored answer of the survey, sorted."""
    rows = db.session.execute(
        select(Answer.question_id, Answer.option_id, Answer.row_id, Answer.rank, Answer.number, Answer.text)
        .join(Response, Response.id == Answer.response_id).where(Response.survey_id == survey_id)
    ).all()
    return sorted((tuple(row) for row in rows), key=repr)


def counts() -> tuple[int, int, int]:
    """(responses, answers, participations) in the whole database."""
    return tuple(db.session.scalar(select(func.count()).select_from(model)) for model in
                 (Response, Answer, Participation))


def release_held(survey_id: int) -> int:
    """Release every anonymous response still held (as closing the survey does); returns how many."""
    released = batches.release(survey_id, everything=True)
    db.session.commit()
    return released
