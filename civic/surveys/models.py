"""Survey structure (survey > sections > questions > options, matrix rows), responses stored as one narrow
answer row per atomic value, and the participation ledger kept apart from responses.

Storage is shaped for SQL aggregation (the results issue): counting an option is
`SELECT option_id, COUNT(*) FROM survey_answers WHERE question_id = ? GROUP BY option_id` over an index, a
multiple-choice answer is one row per chosen option (never a combination), scale and number values sit in the
indexed `number` column, ranks in `rank`, matrix cells in (row_id, option_id)."""
from __future__ import annotations

import datetime as dt
import enum
import secrets

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from civic.census.eligibility import Audience, Rule
from civic.consultations.models import Consultation, public_status
from civic.database import db, str_enum, utcnow
from civic.surveys import kinds
from civic.surveys.kinds import Kind, KindName


class SurveyStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class ResultsVisibility(enum.StrEnum):
    COUNCILLORS = "councillors"
    AFTER_CLOSE = "after_close"
    WHILE_OPEN = "while_open"


class QuestionKind(enum.StrEnum):
    """The names of the kinds Civic started with, for code that names one (the demo, tests, the bench). The
    kinds themselves, and every kind there is, are in civic.surveys.kinds; a new kind is not added here."""

    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    SCALE = "scale"
    NUMBER = "number"
    DATE = "date"
    RANKING = "ranking"
    MATRIX = "matrix"


class Channel(enum.StrEnum):
    WEB = "web"
    PAPER = "paper"
    MEETING = "meeting"


class InvalidTransition(Exception):
    """A status change the lifecycle does not allow (e.g. draft -> closed)."""


def survey_public(status: SurveyStatus, consultation_status) -> bool:
    """Citizens can see a survey: not a draft, in a consultation that is not a draft."""
    return status != SurveyStatus.DRAFT and public_status(consultation_status)


def survey_phase(status: SurveyStatus, opens_at: dt.datetime | None, closes_at: dt.datetime | None,
                 now: dt.datetime | None = None) -> str:
    """What a visitor sees now: "draft", "upcoming" (open, before its opening time), "open" (accepting
    answers) or "closed" (closed, or open past its closing time)."""
    now = now or utcnow()
    if status == SurveyStatus.DRAFT:
        return "draft"
    if status == SurveyStatus.CLOSED or (closes_at is not None and closes_at <= now):
        return "closed"
    if opens_at is not None and now < opens_at:
        return "upcoming"
    return "open"


class Survey(db.Model):
    """A questionnaire inside a consultation; owned by the consultation's body."""

    __tablename__ = "surveys"
    __table_args__ = (
        CheckConstraint("closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at",
                        name="times_in_order"),
        # Named answers need a person: a survey open to anyone must be anonymous.
        CheckConstraint("anonymous OR audience <> 'anyone'", name="named_needs_account"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("audience_level BETWEEN 1 AND 3", name="audience_level_is_spid_level"),
        Index("ix_surveys_status_consultation", "status", "consultation_id"),
    )
    # No RETURNING of server defaults on insert: `paged` is read when needed, and inserts work on databases
    # migrated to an older revision (the migration tests).
    __mapper_args__ = {"eager_defaults": False}

    TRANSITIONS = {
        SurveyStatus.DRAFT: {SurveyStatus.OPEN},
        SurveyStatus.OPEN: {SurveyStatus.CLOSED},
        SurveyStatus.CLOSED: {SurveyStatus.OPEN},
    }

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="RESTRICT"),
                                                 index=True)
    title: Mapped[str] = mapped_column(String(200))
    introduction: Mapped[str] = mapped_column(Text, default="")
    opens_at: Mapped[dt.datetime | None]
    closes_at: Mapped[dt.datetime | None]
    status: Mapped[SurveyStatus] = mapped_column(str_enum(SurveyStatus), default=SurveyStatus.DRAFT)
    # Who may answer (civic.census.eligibility), and the least SPID/CIE level when it asks for one.
    audience: Mapped[Audience] = mapped_column(str_enum(Audience), default=Audience.ANYONE)
    audience_level: Mapped[int] = mapped_column(Integer, default=2)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=True)
    results_visibility: Mapped[ResultsVisibility] = mapped_column(
        str_enum(ResultsVisibility), default=ResultsVisibility.AFTER_CLOSE
    )
    thank_you: Mapped[str] = mapped_column(Text, default="")
    # One section per page with a progress indicator (the councillor's choice); otherwise all on one page.
    # A server default only, so inserts that do not name it (older revisions' tests) still work.
    paged: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    # Only people holding a personal invitation (SurveyInvitation) may answer, on top of `audience`.
    invited_only: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    copied_from_id: Mapped[int | None] = mapped_column(ForeignKey("surveys.id", ondelete="SET NULL"),
                                                       index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # When the followers were told the results are published (civic.surveys.services.announce_results): once.
    results_announced_at: Mapped[dt.datetime | None]

    consultation: Mapped[Consultation] = relationship(lazy="joined", innerjoin=True)
    sections: Mapped[list[SurveySection]] = relationship(
        back_populates="survey", order_by="SurveySection.position", cascade="all, delete-orphan"
    )
    questions: Mapped[list[Question]] = relationship(
        back_populates="survey", cascade="all, delete-orphan"
    )

    @property
    def body_id(self) -> int:
        return self.consultation.body_id

    @property
    def rule(self) -> Rule:
        """Who may answer, for civic.census.eligibility."""
        # The body's name only when a sentence names it: answering an open survey costs no query more.
        return Rule(self.audience, self.audience_level, self.consultation.body_id,
                    lambda: self.consultation.body.name, self.invited_only)

    @property
    def is_public(self) -> bool:
        return survey_public(self.status, self.consultation.status)

    def phase(self, now: dt.datetime | None = None) -> str:
        return survey_phase(self.status, self.opens_at, self.closes_at, now)

    def results_public(self, now: dt.datetime | None = None) -> bool:
        """Whether anyone (not only councillors) may read the results now."""
        now = now or utcnow()
        if self.status == SurveyStatus.DRAFT or self.results_visibility == ResultsVisibility.COUNCILLORS:
            return False
        if self.results_visibility == ResultsVisibility.WHILE_OPEN:
            return True
        return self.status == SurveyStatus.CLOSED or (self.closes_at is not None and self.closes_at <= now)

    def ordered_sections(self) -> list[SurveySection]:
        return sorted(self.sections, key=lambda section: (section.position, section.id or 0))

    def ordered_questions(self) -> list[Question]:
        """Every question in the order a respondent meets them: by section, then by position (sorted here, so
        the order is right even after a move in this request)."""
        return [
            question
            for section in self.ordered_sections()
            for question in sorted(section.questions, key=lambda q: (q.position, q.id or 0))
        ]

    def question_numbers(self) -> dict[int, int]:
        """Question id -> its number as shown to respondents (1, 2, 3 ... across sections)."""
        return {question.id: number for number, question in enumerate(self.ordered_questions(), start=1)}

    def _move(self, target: SurveyStatus) -> None:
        if target not in self.TRANSITIONS[self.status]:
            raise InvalidTransition(f"{self.status} -> {target}")
        self.status = target

    def open(self) -> None:
        self._move(SurveyStatus.OPEN)

    def close(self) -> None:
        self._move(SurveyStatus.CLOSED)


class ConditionMixin:
    """"Show only when question X has (or, negated, has not) option O": stored as the option, whose question
    is the source. A foreign key, so an option a condition depends on cannot disappear unnoticed."""

    # The builder refuses to delete an option a condition uses; SET NULL only lets a whole survey be deleted
    # in one statement whatever order the cascade takes.
    condition_option_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_options.id", ondelete="SET NULL"), index=True
    )
    condition_negate: Mapped[bool] = mapped_column(Boolean, default=False)
    # Further conditions (SurveyCondition rows) join the first one above with AND, or with OR when set.
    condition_any: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    def conditions(self) -> list[tuple[int, bool]]:
        """Every condition as (option id, negated): the first (the columns above), then the further ones."""
        first = [(self.condition_option_id, bool(self.condition_negate))] if self.condition_option_id else []
        return first + [(c.option_id, bool(c.negate)) for c in self.extra_conditions]


class SurveyCondition(db.Model):
    """A further condition of a section or a question (the first is its condition_option_id): shown when the
    option's question has (negated: has not) the option. Exactly one of section_id and question_id is set."""

    __tablename__ = "survey_conditions"
    __table_args__ = (
        CheckConstraint("(section_id IS NULL) <> (question_id IS NULL)", name="one_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_sections.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_questions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # The builder refuses to delete an option a condition uses; CASCADE only lets a whole survey go at once.
    option_id: Mapped[int] = mapped_column(ForeignKey("survey_options.id", ondelete="CASCADE"), index=True)
    negate: Mapped[bool] = mapped_column(Boolean, default=False)


class SurveySection(ConditionMixin, db.Model):
    __tablename__ = "survey_sections"
    __table_args__ = (Index("ix_survey_sections_survey_position", "survey_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")

    survey: Mapped[Survey] = relationship(back_populates="sections")
    questions: Mapped[list[Question]] = relationship(
        back_populates="section", order_by="Question.position"
    )
    condition_option: Mapped[QuestionOption | None] = relationship(
        foreign_keys="SurveySection.condition_option_id"
    )
    extra_conditions: Mapped[list[SurveyCondition]] = relationship(
        foreign_keys="SurveyCondition.section_id", order_by="SurveyCondition.position",
        cascade="all, delete-orphan",
    )


class Question(ConditionMixin, db.Model):
    __tablename__ = "survey_questions"
    __table_args__ = (
        Index("ix_survey_questions_section_position", "section_id", "position"),
        CheckConstraint("length(prompt) > 0", name="prompt_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("survey_sections.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    # The kind itself (civic.surveys.kinds), stored as its name; assigning a name checks it is a kind.
    kind: Mapped[Kind] = mapped_column(KindName())
    prompt: Mapped[str] = mapped_column(String(500))
    help_text: Mapped[str] = mapped_column(String(1000), default="")
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    # Each kind's own settings (see its module in civic.surveys.kinds), e.g. max_length for texts.
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    # Choice questions: an "Other, please specify" answer (stored with option_id NULL and the text).
    has_other: Mapped[bool] = mapped_column(Boolean, default=False)

    survey: Mapped[Survey] = relationship(back_populates="questions")
    section: Mapped[SurveySection] = relationship(back_populates="questions")
    options: Mapped[list[QuestionOption]] = relationship(
        back_populates="question", order_by="QuestionOption.position", cascade="all, delete-orphan",
        foreign_keys="QuestionOption.question_id",
    )
    rows: Mapped[list[MatrixRow]] = relationship(
        back_populates="question", order_by="MatrixRow.position", cascade="all, delete-orphan"
    )
    condition_option: Mapped[QuestionOption | None] = relationship(
        foreign_keys="Question.condition_option_id"
    )
    extra_conditions: Mapped[list[SurveyCondition]] = relationship(
        foreign_keys="SurveyCondition.question_id", order_by="SurveyCondition.position",
        cascade="all, delete-orphan",
    )

    @validates("kind")
    def _known_kind(self, _key, value) -> Kind:
        return kinds.of(value)

    def setting(self, name: str, default=None):
        return (self.settings or {}).get(name, default)


class QuestionOption(db.Model):
    """A choice of a choice or ranking question; for a matrix, a column."""

    __tablename__ = "survey_options"
    __table_args__ = (Index("ix_survey_options_question_position", "question_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # use_alter: questions point at options (conditions) and options at questions; the cycle is broken here.
    question_id: Mapped[int] = mapped_column(
        ForeignKey("survey_questions.id", ondelete="CASCADE", use_alter=True)
    )
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(200))

    question: Mapped[Question] = relationship(back_populates="options", foreign_keys=[question_id])


class MatrixRow(db.Model):
    __tablename__ = "survey_matrix_rows"
    __table_args__ = (Index("ix_survey_matrix_rows_question_position", "question_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_questions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(200))

    question: Mapped[Question] = relationship(back_populates="rows")


class Response(db.Model):
    """One submitted questionnaire. `user_id` only for named surveys: an anonymous survey's response carries
    no person, and nothing else points from a person to it."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        Index("ix_survey_responses_survey_submitted", "survey_id", "submitted_at"),
        # The results' freshness check (count and highest id of a survey's responses) and the range of new
        # responses it aggregates: an index-only scan on PostgreSQL.
        Index("ix_survey_responses_survey_id", "survey_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel), default=Channel.WEB)
    submitted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # The respondent was a verified resident of the survey's body when answering (civic.census): only this
    # yes or no, never who, so the results can say how many answers came from verified residents.
    verified: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


# The columns of one answer row besides its response: what a read submission gives (civic.surveys.kinds) and
# what the set-based inserts of answers carry (civic.surveys.services, civic.surveys.batches).
ANSWER_VALUES = ("question_id", "option_id", "row_id", "rank", "number", "text")


class Answer(db.Model):
    """One atomic value of a response: a chosen option, a matrix cell (row_id + option_id), a rank (option_id
    + rank), a number (scale or number question) or a text (free text, "other" text, ISO date)."""

    __tablename__ = "survey_answers"
    __table_args__ = (
        CheckConstraint("option_id IS NOT NULL OR number IS NOT NULL OR text IS NOT NULL", name="has_value"),
        CheckConstraint("(rank IS NULL AND row_id IS NULL) OR option_id IS NOT NULL",
                        name="rank_row_need_option"),
        CheckConstraint("rank IS NULL OR rank >= 1", name="rank_positive"),
        Index("ix_survey_answers_question_option_row", "question_id", "option_id", "row_id"),
        Index("ix_survey_answers_question_number", "question_id", "number"),
        Index("ix_survey_answers_response_question", "response_id", "question_id"),
        # For the results: ranking counts, and COUNT(DISTINCT response_id) per question, from the index alone.
        Index("ix_survey_answers_question_option_rank", "question_id", "option_id", "rank"),
        Index("ix_survey_answers_question_response", "question_id", "response_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_responses.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("survey_questions.id", ondelete="RESTRICT"))
    option_id: Mapped[int | None] = mapped_column(ForeignKey("survey_options.id", ondelete="RESTRICT"))
    row_id: Mapped[int | None] = mapped_column(ForeignKey("survey_matrix_rows.id", ondelete="RESTRICT"))
    rank: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[float | None] = mapped_column(Double)
    text: Mapped[str | None] = mapped_column(Text)


def new_participation_id() -> str:
    """A ledger row's id: random, so ids do not tell the order of answers."""
    return secrets.token_hex(16)


class Participation(db.Model):
    """"This person (or this browser) has answered this survey": one row per participant, enforced by partial
    unique indexes, so double submits store one response. It holds no reference to the response, a random
    primary key (no sequence to line up with response ids), no rowid order on SQLite, and no time."""

    __tablename__ = "survey_participations"
    __table_args__ = (
        CheckConstraint("user_id IS NOT NULL OR token_hash IS NOT NULL", name="has_participant"),
        Index("uq_survey_participations_survey_user", "survey_id", "user_id", unique=True,
              sqlite_where=text("user_id IS NOT NULL"), postgresql_where=text("user_id IS NOT NULL")),
        Index("uq_survey_participations_survey_token", "survey_id", "token_hash", unique=True,
              sqlite_where=text("token_hash IS NOT NULL"), postgresql_where=text("token_hash IS NOT NULL")),
        Index("ix_survey_participations_user", "user_id"),
        {"sqlite_with_rowid": False},
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_participation_id)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # A keyed hash bound to the survey: of the browser's random cookie token (HMAC(SECRET_KEY, survey id +
    # token), never the token itself) for people without an account, or of the person for accounts
    # (civic.census.eligibility.person_hash: the SPID/CIE identity, else the e-mail address), which stays
    # when the account is deleted, so the same person cannot answer twice. On an anonymous survey a person
    # with SPID/CIE is kept by this hash alone, without the account.
    token_hash: Mapped[str | None] = mapped_column(String(64))
    # The day, for named surveys only: on an anonymous survey even a day could narrow down which response is
    # whose, so it stays empty.
    answered_on: Mapped[dt.date | None] = mapped_column(Date)


def _held_key() -> str:
    return secrets.token_hex(16)


class HeldResponse(db.Model):
    """An anonymous web response waiting to be released into survey_responses with others, in a shuffled batch
    (civic.surveys.batches): nothing in the responses table then tells which participant of the ledger gave
    which response. A random key (no sequence to line up with the ledger), no rowid on SQLite, no time, and
    the answers sealed with a key derived from the secret key, so a copy of the database alone cannot read a
    held response, nor match it with the ledger row written in the same transaction."""

    __tablename__ = "survey_held_responses"
    __table_args__ = (
        Index("ix_survey_held_responses_survey", "survey_id"),
        {"sqlite_with_rowid": False},
    )

    key: Mapped[str] = mapped_column(String(32), primary_key=True, default=_held_key)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    # The answer rows as JSON, encrypted (AES-GCM) and bound to the survey: see civic.surveys.batches.
    sealed: Mapped[str] = mapped_column(Text)


class SurveyDraft(db.Model):
    """Answers a signed-in person saved to finish later ("Save and continue later"), with the section they
    were on: one per person and survey, deleted when they send the survey or delete their account. It is
    never read by anyone but its author, and goes in their "download my data"."""

    __tablename__ = "survey_drafts"
    __table_args__ = (
        Index("uq_survey_drafts_survey_user", "survey_id", "user_id", unique=True),
        Index("ix_survey_drafts_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The section the person was on (one section per page); NULL when it was deleted since.
    section_id: Mapped[int | None] = mapped_column(ForeignKey("survey_sections.id", ondelete="SET NULL"))
    # The questionnaire's fields as [name, value] pairs, as the form sent them.
    answers: Mapped[list] = mapped_column(JSON, default=list)
    saved_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SurveyInvitation(db.Model):
    """A personal, single-use invitation to answer an invited-only survey, sent to one e-mail address. The
    link's token is kept only as a keyed hash (civic.surveys.invitations.token_hash). `used` is all it keeps
    of the answer: no response id, no time of use, so on an anonymous survey nothing pairs an invitation with
    a response beyond what the participation ledger already allows."""

    __tablename__ = "survey_invitations"
    __table_args__ = (
        Index("uq_survey_invitations_survey_email", "survey_id", "email", unique=True),
        Index("uq_survey_invitations_token", "token_hash", unique=True),
        Index("ix_survey_invitations_survey_used", "survey_id", "used"),
        Index("ix_survey_invitations_email", "email"),  # an account's invitations: my data, erasure
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    # None once the person deleted their account: a used invitation stays, so the survey's counts stay right.
    email: Mapped[str | None] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64))
    used: Mapped[bool] = mapped_column(Boolean, default=False)
    reminders: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The language of the invitation and its reminders (civic.surveys.invitations._languages_of).
    language: Mapped[str] = mapped_column(String(5), server_default="it")
