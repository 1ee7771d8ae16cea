"""Writes about motions: validate, change, flush, record in the audit log, return. Never commit."""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select

from civic.accounts.models import Councillorship, User
from civic.audit.services import record
from civic.census import eligibility
from civic.consultations.models import Consultation
from civic.consultations.services import set_topics
from civic.core import pagecache
from civic.core.features import Happening, announce, took_part
from civic.core.timezone import local_today
from civic.core.web import local_date
from civic.core.writes import insert_once
from civic.database import db, utcnow
from civic.motions.models import (
    DECIDED,
    InvalidTransition,
    Milestone,
    Motion,
    MotionProposer,
    MotionStatus,
    MotionSupport,
    RollCallVote,
    VoteOption,
)


class MotionError(Exception):
    """A rule refused the change. The message is for the user; `field` names the form field it is about."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def _check_identifier(body_id: int, identifier: str | None, motion_id: int | None) -> None:
    if not identifier:
        return
    query = select(Motion.id).where(Motion.body_id == body_id, Motion.identifier == identifier)
    if motion_id is not None:
        query = query.where(Motion.id != motion_id)
    if db.session.scalar(query) is not None:
        raise MotionError(_("Another motion of this body already has this number."), field="identifier")


def _check_consultation(actor: User | None, consultation_id: int | None) -> None:
    if not consultation_id:
        return
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None or (actor is not None and not actor.can_manage(consultation.body_id)):
        raise MotionError(_("Choose one of your consultations."), field="consultation_id")


def _councillors(body_id: int, user_ids: list[int]) -> list[User]:
    """The chosen councillors, in the order chosen; each must sit in the motion's body."""
    if not user_ids:
        return []
    found = {
        user.id: user
        for user in db.session.scalars(
            select(User).join(Councillorship, Councillorship.user_id == User.id)
            .where(Councillorship.body_id == body_id, User.id.in_(user_ids))
        )
    }
    if len(found) != len(set(user_ids)):
        raise MotionError(_("Choose councillors of the body the motion is filed in."), field="councillors")
    return [found[user_id] for user_id in dict.fromkeys(user_ids)]


def _set_proposers(motion: Motion, councillors: list[User], names: list[str]) -> None:
    wanted = [(user.display_name, user.id) for user in councillors] + [(name, None) for name in names]
    if [(p.name, p.user_id) for p in motion.proposers] == wanted:
        return
    motion.proposers.clear()
    # Flush the deletions first: (motion, position) is unique and the new rows reuse the positions.
    db.session.flush()
    for position, (name, user_id) in enumerate(wanted):
        motion.proposers.append(MotionProposer(position=position, name=name, user_id=user_id))


def save_motion(actor: User | None, motion: Motion | None, *, body_id: int, consultation_id: int | None,
                title: str, identifier: str | None, filed_on: dt.date | None, text: str, topics: list[str],
                councillor_ids: list[int], other_proposers: list[str], who: dict | None = None) -> Motion:
    """Create (motion None; it starts as a draft) or update a motion with its proposers and topics. The actor
    is None for the system (demo, command line)."""
    identifier = (identifier or "").strip() or None
    _check_identifier(body_id, identifier, motion.id if motion is not None else None)
    _check_consultation(actor, consultation_id)
    councillors = _councillors(body_id, councillor_ids)
    creating = motion is None
    if creating:
        motion = Motion(created_by_id=actor.id if actor is not None else None)
        db.session.add(motion)
    motion.body_id = body_id
    motion.consultation_id = consultation_id or None
    motion.title = title.strip()
    motion.identifier = identifier
    motion.filed_on = filed_on
    motion.text = text
    for name, value in (who or {}).items():  # who may support it and who may comment
        setattr(motion, name, value)
    set_topics(motion, topics)
    db.session.flush()
    _set_proposers(motion, councillors, other_proposers)
    db.session.flush()
    record(actor, "motion.create" if creating else "motion.update", motion, motion.title)
    return motion


def _move(motion: Motion, target: MotionStatus) -> None:
    try:
        motion.move_to(target)
    except InvalidTransition as error:
        raise MotionError(_("A motion that is “%(status)s” cannot be changed that way.",
                            status=motion.status_label)) from error


def file_motion(actor: User | None, motion: Motion, date_unknown: bool = False) -> None:
    """Publish a draft as filed; its filing date becomes today when it was left empty, unless the date is
    known to be unknown (a motion of the past entered afterwards)."""
    _move(motion, MotionStatus.FILED)
    if motion.filed_on is None and not date_unknown:
        motion.filed_on = local_today()
    db.session.flush()
    record(actor, "motion.file", motion, motion.title)


def schedule_motion(actor: User | None, motion: Motion, scheduled_for: dt.date) -> None:
    if motion.status != MotionStatus.SCHEDULED:
        _move(motion, MotionStatus.SCHEDULED)
    motion.scheduled_for = scheduled_for
    db.session.flush()
    record(actor, "motion.schedule", motion, scheduled_for.isoformat())
    announce(Happening("motion.scheduled", "motion", motion.id, local_date(scheduled_for),
                       actor_id=actor.id if actor else None))


def withdraw_motion(actor: User | None, motion: Motion) -> None:
    _move(motion, MotionStatus.WITHDRAWN)
    motion.withdrawn_on = local_today()
    db.session.flush()
    record(actor, "motion.withdraw", motion, motion.title)


def record_vote(actor: User | None, motion: Motion, *, voted_on: dt.date, result: MotionStatus,
                counts: dict[VoteOption, int | None], roll_call: list[tuple[str, VoteOption]],
                outcome_note: str) -> None:
    """Record the council's vote, which approves or rejects the motion. Once decided, the vote can be
    corrected but the outcome cannot be turned around."""
    if result not in DECIDED:
        raise MotionError(_("Choose the outcome."), field="result")
    if motion.scheduled_for is not None and voted_on < motion.scheduled_for:
        raise MotionError(_("The vote cannot come before the council session of %(date)s, when the motion "
                            "is on the agenda.", date=local_date(motion.scheduled_for)), field="voted_on")
    newly_decided = not motion.is_decided
    if motion.is_decided:
        if motion.status != result:
            raise MotionError(_("The outcome of this motion is already recorded and cannot be reversed."),
                              field="result")
    else:
        _move(motion, result)
    motion.voted_on = voted_on
    motion.votes_for = counts.get(VoteOption.YES)
    motion.votes_against = counts.get(VoteOption.NO)
    motion.votes_abstain = counts.get(VoteOption.ABSTAIN)
    motion.votes_absent = counts.get(VoteOption.ABSENT)
    motion.outcome_note = outcome_note
    if [(v.voter_name, v.option) for v in motion.roll_call] != roll_call:
        motion.roll_call.clear()
        db.session.flush()
        motion.roll_call.extend(RollCallVote(voter_name=name, option=option) for name, option in roll_call)
    db.session.flush()
    record(actor, "motion.vote", motion, f"{result.value} on {voted_on.isoformat()}")
    if newly_decided:
        announce(Happening("motion.voted", "motion", motion.id, str(motion.status_label),
                           actor_id=actor.id if actor else None))


def save_milestone(actor: User | None, motion: Motion, milestone: Milestone | None, *, title: str,
                   due_on: dt.date | None, description: str, done: bool) -> Milestone:
    """Add a follow-up step (done, or planned) to a public motion, or update one."""
    if not motion.is_public:
        raise MotionError(_("File the motion before adding what follows it."))
    creating = milestone is None
    if creating:
        milestone = Milestone(motion_id=motion.id)
        db.session.add(milestone)
    milestone.title = title.strip()
    milestone.due_on = due_on
    milestone.description = description
    milestone.done = done
    db.session.flush()
    record(actor, "milestone.create" if creating else "milestone.update", motion, milestone.title)
    if creating:
        announce(Happening("motion.milestone", "motion", motion.id, milestone.title,
                           actor_id=actor.id if actor else None))
    return milestone


def delete_milestone(actor: User | None, motion: Motion, milestone: Milestone) -> None:
    db.session.delete(milestone)
    db.session.flush()
    record(actor, "milestone.delete", motion, milestone.title)


def support(user: User, motion: Motion) -> bool:
    """Add the citizen's support; False when they already support it (a double click changes nothing)."""
    if not motion.is_public or motion.status == MotionStatus.WITHDRAWN:
        raise MotionError(_("This motion cannot be supported."))
    if motion.is_decided:
        raise MotionError(_("The council has already decided on this motion: it no longer takes supports."))
    try:
        eligibility.require(motion.rule, user)
    except eligibility.NotEligible as error:
        raise MotionError(error.message) from error
    pagecache.changes(f"motion:{motion.id}", "motions")  # only the pages showing its supports go stale
    # One person, one voice: the person's keyed hash first, in the same transaction, so a second account of
    # the same person (SPID/CIE identity or e-mail address), even one made after deleting the first, cannot
    # support again, whatever the timing.
    if not eligibility.claim_voice("motion", motion.id, user):
        if db.session.scalar(select(MotionSupport.id).where(MotionSupport.motion_id == motion.id,
                                                            MotionSupport.user_id == user.id)) is not None:
            return False  # this very account: a double click
        raise MotionError(_("You have already supported this motion."))
    added = insert_once(MotionSupport, motion_id=motion.id, user_id=user.id, created_at=utcnow())
    if added:
        took_part(user.id, "motion", motion.id)
    return added


def withdraw_support(user: User, motion: Motion) -> bool:
    """Remove the citizen's support; False when there was none."""
    pagecache.changes(f"motion:{motion.id}", "motions")
    result = db.session.execute(
        MotionSupport.__table__.delete().where(MotionSupport.motion_id == motion.id,
                                               MotionSupport.user_id == user.id)
    )
    if result.rowcount != 1:
        return False
    eligibility.release_voice("motion", motion.id, user)  # the person may support it again later
    return True
