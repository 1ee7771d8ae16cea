"""Every activity's service applies the one rule of who may take part (civic.census.eligibility): a motion's
support (and a comment on it), a declaration of interest and a meeting registration for verified residents
only are refused before the person is verified and accepted after, whatever the page showed."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from civic.census.eligibility import Audience
from civic.census.models import Method, Verification
from civic.comments import services as comments
from civic.comments.models import Comment
from civic.database import db, utcnow
from civic.interest import services as interest
from civic.interest.models import Budget, Declaration, Horizon, Profile, Role
from civic.meetings import services as meetings
from civic.meetings.models import Registration
from civic.motions import services as motions
from civic.motions.models import MotionSupport
from tests.factories import make_body, make_user
from tests.interest.factories import make_call
from tests.meetings.factories import make_consultation, make_meeting
from tests.motions.factories import make_motion


def _verify(user, body, days=30):
    now = utcnow()
    db.session.add(Verification(user_id=user.id, body_id=body.id, method=Method.IDENTITY, level=2,
                                verified_at=now - dt.timedelta(days=1),
                                expires_at=now + dt.timedelta(days=days)))
    db.session.commit()


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_supporting_a_resident_only_motion_needs_a_verified_residence(app_ctx):
    body = make_body("novi", "Comune di Novi Ligure")
    motion = make_motion(body, audience=Audience.RESIDENT)
    person = make_user()
    with pytest.raises(motions.MotionError, match="Comune di Novi Ligure"):
        motions.support(person, motion)
    _verify(person, make_body("genova", "Comune di Genova"))  # a resident of another body
    with pytest.raises(motions.MotionError):
        motions.support(person, motion)
    _verify(person, body)
    assert motions.support(person, motion) is True
    db.session.commit()
    assert _count(MotionSupport) == 1


def test_an_expired_or_revoked_verification_does_not_count(app_ctx):
    body = make_body("novi", "Comune di Novi Ligure")
    motion = make_motion(body, audience=Audience.RESIDENT)
    person = make_user()
    _verify(person, body)
    verification = db.session.scalar(select(Verification))
    verification.revoked_at = utcnow()
    db.session.commit()
    with pytest.raises(motions.MotionError):
        motions.support(person, motion)
    verification.revoked_at, verification.expires_at = None, utcnow()
    db.session.commit()
    with pytest.raises(motions.MotionError):
        motions.support(person, motion)


def test_declaring_interest_follows_the_call_rule(app_ctx):
    body = make_body("novi", "Comune di Novi Ligure")
    call = make_call(body=body)
    call.audience = Audience.RESIDENT
    db.session.commit()
    person = make_user()
    data = interest.DeclarationData(role=Role.USER.value, profile=Profile.FREELANCE.value,
                                    budget=Budget.NOTHING.value, horizon=Horizon.NOW.value)
    with pytest.raises(interest.InterestError, match="residenti verificati|verified residents"):
        interest.save_declaration(call, person, data, utcnow())
    _verify(person, body)
    interest.save_declaration(call, person, data, utcnow())
    db.session.commit()
    assert _count(Declaration) == 1


def test_registering_for_a_meeting_follows_its_rule(app, app_ctx):
    body = make_body("novi", "Comune di Novi Ligure")
    meeting = make_meeting(make_consultation(body))
    meeting.audience = Audience.RESIDENT
    db.session.commit()
    person = make_user()
    category = meeting.audiences[0]
    with pytest.raises(meetings.MeetingError):
        meetings.register(meeting, person, category)
    db.session.rollback()
    _verify(person, body)
    with app.test_request_context():  # the ticket e-mail has links
        meetings.register(meeting, person, category)
    db.session.commit()
    assert _count(Registration) == 1


def test_the_default_rules_keep_what_each_activity_asked_before(app_ctx):
    body = make_body()
    unconfirmed = make_user(confirmed=False)
    with pytest.raises(motions.MotionError):
        motions.support(unconfirmed, make_motion(body))
    assert motions.support(make_user(), make_motion(body)) is True


def test_commenting_on_a_resident_only_motion_needs_a_verified_residence(app_ctx):
    """Who may comment is the motion's own choice (comment_audience), apart from who may support it."""
    body = make_body("novi", "Comune di Novi Ligure")
    motion = make_motion(body, audience=Audience.RESIDENT)
    motion.comment_audience = Audience.RESIDENT.value
    person = make_user()
    with pytest.raises(comments.CommentError, match="Comune di Novi Ligure"):
        comments.add_comment(person, "motion", motion, "Sono d'accordo.")
    _verify(person, body)
    comments.add_comment(person, "motion", motion, "Sono d'accordo.")
    db.session.commit()
    assert _count(Comment) == 1
