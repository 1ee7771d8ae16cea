"""What the features announce and who follows by taking part: meetings (changed, cancelled, minutes), surveys
(opened, results; named answers follow the consultation, anonymous ones never do), motions (vote,
milestone)."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from civic.database import db, utcnow
from civic.meetings import services as meeting_services
from civic.motions import services as motion_services
from civic.motions.models import MotionStatus
from civic.notifications.models import Follow, Notification
from civic.notifications.services import start_following
from civic.outbox.models import OutboxMessage
from civic.surveys import services as survey_services
from civic.surveys.models import Audience, QuestionKind, ResultsVisibility, SurveyStatus
from tests.factories import make_body, make_user
from tests.meetings.factories import make_consultation, make_meeting, make_registration
from tests.motions.factories import make_motion
from tests.surveys.factories import add_question, make_survey


def _told(kind: str) -> set[int]:
    return set(db.session.scalars(select(Notification.user_id).where(Notification.kind == kind)))


def _follows() -> set[tuple]:
    return {tuple(row) for row in db.session.execute(select(Follow.user_id, Follow.target, Follow.target_id))}


@pytest.fixture
def request_ctx(app, app_ctx):
    """The meetings' own e-mails build addresses as in a request (the councillor's form)."""
    with app.test_request_context("/"):
        yield


def test_meetings_announce_changes_cancellation_and_minutes(request_ctx):
    consultation = make_consultation()
    councillor = make_user(councillor_of=db.session.get(type(consultation.body), consultation.body_id))
    follower, registrant = make_user("follower@example.org"), make_user("registrant@example.org")
    meeting = make_meeting(consultation, starts_in=dt.timedelta(hours=-3))
    start_following(follower.id, "meeting", meeting.id)
    make_registration(meeting, registrant)
    start_following(registrant.id, "meeting", meeting.id)
    meeting_services.record_outcome(councillor, meeting, "Verbale: si parte a gennaio.", 40)
    db.session.commit()
    assert _told("meeting.minutes") == {follower.id, registrant.id}
    meeting_services.record_outcome(councillor, meeting, "Verbale corretto.", 41)  # a correction: not news
    db.session.commit()
    minutes = select(Notification.id).where(Notification.kind == "meeting.minutes")
    assert len(db.session.scalars(minutes).all()) == 2

    later = make_meeting(consultation)
    start_following(follower.id, "meeting", later.id)
    make_registration(later, registrant)
    start_following(registrant.id, "meeting", later.id)
    meeting_services.cancel_meeting(councillor, later, "Maltempo")
    db.session.commit()
    assert _told("meeting.cancelled") == {follower.id, registrant.id}
    # The registrant got the meeting's own cancellation (with its calendar update), not a second e-mail.
    to_registrant = list(db.session.scalars(select(OutboxMessage.subject)
                                            .where(OutboxMessage.to_address == "registrant@example.org")))
    assert len([s for s in to_registrant if later.title in s]) == 1


def test_booking_a_seat_follows_the_meeting(request_ctx):
    meeting = make_meeting(make_consultation(), registration_opens_at=utcnow() - dt.timedelta(days=1))
    person = make_user()
    meeting_services.register(meeting, person, "cittadini")
    db.session.commit()
    assert (person.id, "meeting", meeting.id) in _follows()


@pytest.mark.parametrize("anonymous", [True, False])
def test_a_named_answer_follows_the_consultation_an_anonymous_one_never(app_ctx, anonymous):
    consultation = make_consultation()
    survey = make_survey(consultation, anonymous=anonymous, audience=Audience.REGISTERED)
    person = make_user()
    survey_services.submit_response(survey, [], user=person)
    db.session.commit()
    assert _follows() == (set() if anonymous else {(person.id, "consultation", consultation.id)})


def test_surveys_announce_opening_and_published_results(app_ctx):
    consultation = make_consultation(title="Coworking a Novi")
    councillor = make_user(admin=True)
    follower = make_user()
    start_following(follower.id, "consultation", consultation.id)
    survey = make_survey(consultation, status=SurveyStatus.DRAFT,
                         results_visibility=ResultsVisibility.AFTER_CLOSE)
    add_question(survey, QuestionKind.SHORT_TEXT)
    survey_services.open_survey(councillor, survey)
    db.session.commit()
    [opened] = db.session.scalars(select(Notification).where(Notification.kind == "survey.opened"))
    assert (opened.user_id, opened.title, opened.detail) == (follower.id, "Coworking a Novi", survey.title)
    survey_services.close_survey(councillor, survey)
    db.session.commit()
    assert _told("survey.results") == {follower.id}


def _results_told() -> list[int]:
    return list(db.session.scalars(select(Notification.user_id).where(Notification.kind == "survey.results")))


def _followed_survey(**fields):
    consultation = make_consultation(title="Coworking a Novi")
    follower = make_user()
    start_following(follower.id, "consultation", consultation.id)
    survey = make_survey(consultation, **fields)
    add_question(survey, QuestionKind.SHORT_TEXT)
    return survey, follower


def test_making_a_closed_survey_s_results_public_announces_them_once(app_ctx):
    councillor = make_user(admin=True)
    survey, follower = _followed_survey(status=SurveyStatus.OPEN,
                                        results_visibility=ResultsVisibility.COUNCILLORS)
    survey_services.close_survey(councillor, survey)
    survey_services.update_survey(councillor, survey, title="Il coworking, com'è andata")
    db.session.commit()
    assert _results_told() == []  # the results stay with the councillors: nothing to tell
    survey_services.update_survey(councillor, survey, results_visibility=ResultsVisibility.AFTER_CLOSE)
    db.session.commit()
    assert _results_told() == [follower.id]
    # Hidden again and public again, or closed again after reopening: already told.
    for visibility in (ResultsVisibility.COUNCILLORS, ResultsVisibility.WHILE_OPEN):
        survey_services.update_survey(councillor, survey, results_visibility=visibility)
        db.session.commit()
    survey_services.open_survey(councillor, survey)
    survey_services.close_survey(councillor, survey)
    db.session.commit()
    assert _results_told() == [follower.id]


def test_results_shown_while_open_are_announced_when_the_councillor_shows_them(app_ctx):
    councillor = make_user(admin=True)
    survey, follower = _followed_survey(status=SurveyStatus.OPEN,
                                        results_visibility=ResultsVisibility.COUNCILLORS)
    survey_services.update_survey(councillor, survey, results_visibility=ResultsVisibility.AFTER_CLOSE)
    db.session.commit()
    assert _results_told() == []  # still open: the results come after closing
    survey_services.update_survey(councillor, survey, results_visibility=ResultsVisibility.WHILE_OPEN)
    db.session.commit()
    assert _results_told() == [follower.id]
    survey_services.close_survey(councillor, survey)
    db.session.commit()
    assert _results_told() == [follower.id]


def test_results_of_a_survey_closed_by_its_closing_time_are_announced_once_by_the_periodic_work(app, app_ctx):
    past = utcnow() - dt.timedelta(hours=1)
    survey, follower = _followed_survey(status=SurveyStatus.OPEN, closes_at=past,
                                        results_visibility=ResultsVisibility.AFTER_CLOSE)
    _followed_survey(status=SurveyStatus.OPEN, closes_at=past,
                     results_visibility=ResultsVisibility.COUNCILLORS)
    _followed_survey(status=SurveyStatus.OPEN, closes_at=utcnow() + dt.timedelta(days=1),
                     results_visibility=ResultsVisibility.AFTER_CLOSE)
    follower_id = follower.id
    runner = app.test_cli_runner()
    result = runner.invoke(args=["periodic"])
    assert "announced the results of 1 surveys" in result.output, result.output
    db.session.remove()
    assert _results_told() == [follower_id]
    assert "surveys: nothing to do" in runner.invoke(args=["periodic"]).output
    db.session.remove()
    assert _results_told() == [follower_id]


def test_motions_announce_the_vote_once_and_new_milestones(app_ctx):
    motion = make_motion(make_body(), status=MotionStatus.SCHEDULED, scheduled_for=dt.date(2026, 1, 10))
    follower = make_user()
    start_following(follower.id, "motion", motion.id)
    for _ in range(2):  # the second is a correction of the recorded vote
        motion_services.record_vote(None, motion, voted_on=dt.date(2026, 1, 10), result=MotionStatus.APPROVED,
                                    counts={}, roll_call=[], outcome_note="")
    motion_services.save_milestone(None, motion, None, title="Bando pubblicato", due_on=None, description="",
                                   done=True)
    db.session.commit()
    kinds = list(db.session.scalars(select(Notification.kind).order_by(Notification.id)))
    assert kinds == ["motion.voted", "motion.milestone"]
