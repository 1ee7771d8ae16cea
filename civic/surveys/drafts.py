"""Drafts: a signed-in person's answers saved to finish a survey later, one per person and survey.

Kept apart from the submit path (civic.surveys.services.submit_response): the view deletes the draft in the
same transaction that stores the response, so a sent survey leaves no draft behind. People without an account
have no draft: between pages their answers travel in the form (civic.surveys.paging), never on the server."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite

from civic.core import pagecache
from civic.database import db, utcnow
from civic.surveys.models import SurveyDraft


def save(survey_id: int, user_id: int, answers: Iterable[tuple[str, str]], section_id: int | None) -> None:
    """Create or replace the person's draft of the survey in one statement (INSERT ... ON CONFLICT DO UPDATE),
    so two saves at the same moment leave one draft, the later one."""
    changed(survey_id)
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    values = {"answers": [[name, value] for name, value in answers], "section_id": section_id,
              "saved_at": utcnow()}
    statement = dialect.insert(SurveyDraft).values(survey_id=survey_id, user_id=user_id, **values)
    db.session.execute(statement.on_conflict_do_update(index_elements=["survey_id", "user_id"], set_=values))


def discard(survey_id: int, user_id: int) -> None:
    """Delete the person's draft of the survey, if any (when the survey is sent)."""
    changed(survey_id)
    db.session.execute(delete(SurveyDraft).where(SurveyDraft.survey_id == survey_id,
                                                 SurveyDraft.user_id == user_id))


def changed(survey_id: int) -> None:
    """A draft is nobody else's, but whether the person holds one decides how their answering page is made
    (civic.surveys.views._personal_page), which a process keeps for them under the survey's generation: the
    write announces the survey, which moves that generation alone (civic.core.pagecache.changes)."""
    pagecache.changes(f"survey:{survey_id}")
