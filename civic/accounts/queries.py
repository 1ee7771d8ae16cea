"""Reads about one person, for "download my data" and "delete my account": one select() per kind of record,
each returning plain columns, so an export is a fixed number of queries whatever the number of rows.

Anonymous surveys: a response to one carries no person, so only the participation ledger ("took part") is read
here; answers are read only from responses that name the person (named surveys)."""
from __future__ import annotations

from sqlalchemy import Select, and_, func, or_, select

from civic.accounts.models import Councillorship, User
from civic.audit.models import AuditEntry
from civic.bodies.models import Body
from civic.comments.models import Comment
from civic.consultations.models import Consultation
from civic.interest.models import Declaration, DeclarationNeed, InterestArea, InterestCall
from civic.meetings.models import Meeting, Registration
from civic.motions.models import Motion, MotionSupport
from civic.surveys.models import (
    Answer,
    MatrixRow,
    Participation,
    Question,
    QuestionOption,
    Response,
    Survey,
    SurveySection,
)


def councillorships(user_id: int) -> Select:
    """The bodies the person is a councillor of: body name, since when."""
    return (select(Body.name.label("body"), Councillorship.granted_at)
            .join(Body, Body.id == Councillorship.body_id)
            .where(Councillorship.user_id == user_id)
            .order_by(Councillorship.granted_at, Councillorship.id))


def registrations(user_id: int) -> Select:
    """Meeting registrations of every status, by meeting date."""
    return (select(Meeting.id.label("meeting_id"), Meeting.title, Meeting.starts_at, Registration.status,
                   Registration.category, Registration.note, Registration.accessibility_needs,
                   Registration.created_at, Registration.confirmed_at, Registration.cancelled_at,
                   Registration.checked_in_at)
            .join(Meeting, Meeting.id == Registration.meeting_id)
            .where(Registration.user_id == user_id)
            .order_by(Meeting.starts_at, Registration.id))


def supports(user_id: int) -> Select:
    """The motions the person supports."""
    return (select(Motion.id.label("motion_id"), Motion.title, MotionSupport.created_at)
            .join(Motion, Motion.id == MotionSupport.motion_id)
            .where(MotionSupport.user_id == user_id)
            .order_by(MotionSupport.created_at, MotionSupport.id))


def comments(user_id: int) -> Select:
    """The person's comments with what they are about (a motion or a consultation); never who hid one."""
    return (select(Comment.id, Comment.text, Comment.created_at, Comment.edited_at, Comment.hidden_at,
                   Comment.parent_id, Comment.motion_id, Motion.title.label("motion_title"),
                   Comment.consultation_id, Consultation.title.label("consultation_title"))
            .outerjoin(Motion, Motion.id == Comment.motion_id)
            .outerjoin(Consultation, Consultation.id == Comment.consultation_id)
            .where(Comment.author_id == user_id)
            .order_by(Comment.created_at, Comment.id))


def named_answers(user_id: int) -> Select:
    """Every answer of the person's named responses, one row per atomic value, grouped by response and in the
    order a respondent meets the questions. Responses to anonymous surveys carry no person and never match;
    the survey's flag is checked too, so a survey made anonymous later is not read back by name either."""
    return (select(Response.id.label("response_id"), Survey.id.label("survey_id"),
                   Survey.title.label("survey"), Response.submitted_at, Question.prompt, MatrixRow.label.label("row"),
                   QuestionOption.label.label("option"), Answer.rank, Answer.number, Answer.text)
            .select_from(Answer)
            .join(Response, Response.id == Answer.response_id)
            .join(Survey, Survey.id == Response.survey_id)
            .join(Question, Question.id == Answer.question_id)
            .join(SurveySection, SurveySection.id == Question.section_id)
            .outerjoin(QuestionOption, QuestionOption.id == Answer.option_id)
            .outerjoin(MatrixRow, MatrixRow.id == Answer.row_id)
            .where(Response.user_id == user_id, Survey.anonymous.is_(False))
            .order_by(Response.id, SurveySection.position, Question.position, Question.id,
                      MatrixRow.position, Answer.rank, QuestionOption.position, Answer.id))


def participations(user_id: int) -> Select:
    """The surveys the person took part in, anonymous ones included: the ledger says only that they did."""
    return (select(Survey.id.label("survey_id"), Survey.title, Survey.anonymous, Participation.answered_on)
            .join(Survey, Survey.id == Participation.survey_id)
            .where(Participation.user_id == user_id)
            .order_by(Survey.id))


def declarations(user_id: int) -> Select:
    """Declarations of interest with the call's title and the chosen area."""
    return (select(Declaration.id, InterestCall.title.label("call"), Declaration.role, Declaration.profile,
                   Declaration.sector, Declaration.days_per_week, InterestArea.name.label("area"),
                   Declaration.budget, Declaration.horizon, Declaration.manager_experience,
                   Declaration.manager_offer, Declaration.notes, Declaration.contact_consent,
                   Declaration.created_at, Declaration.updated_at, Declaration.withdrawn_at)
            .join(InterestCall, InterestCall.id == Declaration.call_id)
            .outerjoin(InterestArea, InterestArea.id == Declaration.area_id)
            .where(Declaration.user_id == user_id)
            .order_by(Declaration.created_at, Declaration.id))


def declaration_needs(user_id: int) -> Select:
    """(declaration id, need) of every declaration of the person."""
    return (select(DeclarationNeed.declaration_id, DeclarationNeed.need)
            .join(Declaration, Declaration.id == DeclarationNeed.declaration_id)
            .where(Declaration.user_id == user_id)
            .order_by(DeclarationNeed.declaration_id, DeclarationNeed.need))


def _about_person(user_id: int):
    return and_(AuditEntry.object_type == User.__tablename__, AuditEntry.object_id == user_id)


def audit_entries(user_id: int) -> Select:
    """Audit lines the person wrote (as a councillor or admin) or that are about their account (roles). Who
    acted on their account is not read: that is another person."""
    by_them = AuditEntry.actor_id == user_id
    return (select(AuditEntry.at, AuditEntry.action, AuditEntry.object_type, AuditEntry.object_id,
                   AuditEntry.summary, by_them.label("by_you"), _about_person(user_id).label("about_you"))
            .where(or_(by_them, _about_person(user_id)))
            .order_by(AuditEntry.at, AuditEntry.id))


def _count(query: Select):
    return select(func.count()).select_from(query.order_by(None).subquery()).scalar_subquery()


def record_counts(user_id: int) -> Select:
    """How many records of each kind the person has, in one query (the pages that explain the export and the
    deletion show them)."""
    return select(
        _count(registrations(user_id)).label("registrations"),
        _count(supports(user_id)).label("supports"),
        _count(comments(user_id)).label("comments"),
        _count(select(Response.id).join(Survey, Survey.id == Response.survey_id)
               .where(Response.user_id == user_id, Survey.anonymous.is_(False))).label("named_responses"),
        _count(participations(user_id)).label("participations"),
        _count(declarations(user_id)).label("declarations"),
    )


def other_active_admins(user_id: int) -> Select:
    """How many active administrators there are besides this person."""
    return select(func.count(User.id)).where(User.is_admin.is_(True), User.is_active_account.is_(True),
                                             User.id != user_id)

