"""Changes the results feature makes: publishing written answers. Validate, change, flush, return; the view
commits."""
from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from civic.accounts.models import User
from civic.audit.services import record
from civic.database import db
from civic.results.models import PublishedText
from civic.surveys.models import Question, Survey


def publish_texts(actor: User, survey: Survey, question: Question) -> bool:
    """Show the question's written answers in the public results. False when they already were (a double
    submit changes nothing)."""
    try:
        with db.session.begin_nested():  # the primary key settles two clicks at once
            db.session.add(PublishedText(question_id=question.id, survey_id=survey.id))
    except IntegrityError:
        return False
    record(actor, "results.publish_texts", survey, question.prompt[:200], body_id=survey.body_id)
    return True


def unpublish_texts(actor: User, survey: Survey, question: Question) -> bool:
    """Hide the question's written answers from the public again."""
    removed = db.session.execute(
        delete(PublishedText).where(PublishedText.question_id == question.id)
    ).rowcount
    if removed:
        record(actor, "results.unpublish_texts", survey, question.prompt[:200], body_id=survey.body_id)
    return bool(removed)
