from __future__ import annotations

import datetime as dt
import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.accounts.models import User
from civic.census.eligibility import Audience, Rule, rule_of
from civic.consultations.models import Consultation, ConsultationStatus
from civic.database import db, str_enum, utcnow


class Role(enum.StrEnum):
    """What a declarant would be; for a call, which declarations it asks for (BOTH: users and managers)."""

    USER = "user"
    MANAGER = "manager"
    BOTH = "both"


class Profile(enum.StrEnum):
    CITIZEN = "citizen"
    ENTREPRENEUR = "entrepreneur"
    FREELANCE = "freelance"
    VAT_HOLDER = "vat_holder"
    ASSOCIATION = "association"
    COMPANY = "company"
    STUDENT = "student"


class Need(enum.StrEnum):
    HOT_DESK = "hot_desk"
    FIXED_DESK = "fixed_desk"
    PRIVATE_OFFICE = "private_office"
    MEETING_ROOM = "meeting_room"
    EVENT_SPACE = "event_space"
    WORKSHOP_TOOLS = "workshop_tools"
    CHILDCARE = "childcare"
    ACCESSIBILITY = "accessibility"


class Budget(enum.StrEnum):
    """Monthly budget bands, in euro, in increasing order."""

    NOTHING = "nothing"
    UP_TO_50 = "up_to_50"
    FROM_50_TO_100 = "50_100"
    FROM_100_TO_200 = "100_200"
    FROM_200_TO_400 = "200_400"
    OVER_400 = "over_400"


class Horizon(enum.StrEnum):
    """When the declarant could start, soonest first."""

    NOW = "now"
    THREE_MONTHS = "3_months"
    SIX_MONTHS = "6_months"
    ONE_YEAR = "1_year"
    LATER = "later"


ROLE_LABELS = {Role.USER: _l("Future user"), Role.MANAGER: _l("Possible manager"),
               Role.BOTH: _l("Both user and manager")}
CALL_ROLE_LABELS = {Role.USER: _l("Future users"), Role.MANAGER: _l("Possible managers"),
                    Role.BOTH: _l("Future users and possible managers")}
PROFILE_LABELS = {
    Profile.CITIZEN: _l("Citizen"), Profile.ENTREPRENEUR: _l("Entrepreneur"),
    Profile.FREELANCE: _l("Freelance professional"), Profile.VAT_HOLDER: _l("VAT holder"),
    Profile.ASSOCIATION: _l("Association"), Profile.COMPANY: _l("Company"), Profile.STUDENT: _l("Student"),
}
NEED_LABELS = {
    Need.HOT_DESK: _l("Hot desk"), Need.FIXED_DESK: _l("Fixed desk"),
    Need.PRIVATE_OFFICE: _l("Private office"), Need.MEETING_ROOM: _l("Meeting room"),
    Need.EVENT_SPACE: _l("Event space"),
    Need.WORKSHOP_TOOLS: _l("Workshop and fablab tools"), Need.CHILDCARE: _l("Childcare"),
    Need.ACCESSIBILITY: _l("Accessibility needs"),
}
BUDGET_LABELS = {
    Budget.NOTHING: _l("Nothing"), Budget.UP_TO_50: _l("Up to 50 euro"),
    Budget.FROM_50_TO_100: _l("50 to 100 euro"), Budget.FROM_100_TO_200: _l("100 to 200 euro"),
    Budget.FROM_200_TO_400: _l("200 to 400 euro"), Budget.OVER_400: _l("Over 400 euro"),
}
HORIZON_LABELS = {
    Horizon.NOW: _l("Now"), Horizon.THREE_MONTHS: _l("Within 3 months"),
    Horizon.SIX_MONTHS: _l("Within 6 months"), Horizon.ONE_YEAR: _l("Within a year"),
    Horizon.LATER: _l("Later"),
}


class InterestCall(db.Model):
    """A call for declarations of interest inside a consultation; owned by the consultation's body."""

    __tablename__ = "interest_calls"
    __table_args__ = (CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
                      CheckConstraint("audience_level BETWEEN 1 AND 3", name="audience_level_is_spid_level"))

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="RESTRICT"),
                                                 index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown
    asks_for: Mapped[Role] = mapped_column(str_enum(Role), default=Role.BOTH)
    opens_at: Mapped[dt.datetime] = mapped_column(index=True)
    closes_at: Mapped[dt.datetime] = mapped_column(index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Who may declare interest (civic.census.eligibility); a confirmed e-mail address unless the councillor
    # says otherwise.
    audience: Mapped[Audience] = mapped_column(str_enum(Audience), default=Audience.CONFIRMED)
    audience_level: Mapped[int] = mapped_column(default=2)

    consultation: Mapped[Consultation] = relationship()
    areas: Mapped[list[InterestArea]] = relationship(
        back_populates="call", cascade="all, delete-orphan", order_by="InterestArea.position"
    )

    @property
    def body_id(self) -> int:
        return self.consultation.body_id

    @property
    def is_public(self) -> bool:
        return self.consultation.is_public

    @property
    def rule(self) -> Rule:
        """Who may declare interest."""
        return rule_of(self.audience, self.audience_level, self.body_id, lambda: self.consultation.body)

    def roles(self) -> list[Role]:
        """The roles a declarant may choose in this call."""
        return list(Role) if self.asks_for == Role.BOTH else [self.asks_for]

    def is_open(self, now: dt.datetime) -> bool:
        """Declarations are taken (and changed) while the window runs and the consultation is published."""
        return (self.consultation.status == ConsultationStatus.PUBLISHED
                and self.opens_at <= now < self.closes_at)

    def has_closed(self, now: dt.datetime) -> bool:
        return now >= self.closes_at or self.consultation.status in (ConsultationStatus.CLOSED,
                                                                     ConsultationStatus.ARCHIVED)


class InterestArea(db.Model):
    """An area or neighbourhood the call offers (e.g. "Centro storico")."""

    __tablename__ = "interest_areas"
    __table_args__ = (
        UniqueConstraint("call_id", "name"),
        # The target of the declarations' (call_id, area_id) key: an area chosen must belong to the same call.
        UniqueConstraint("call_id", "id", name="uq_interest_areas_call_id_id"),
        CheckConstraint("position >= 0", name="position_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("interest_calls.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(default=0)

    call: Mapped[InterestCall] = relationship(back_populates="areas")


class Declaration(db.Model):
    """One person's declaration of interest in one call. Withdrawn ones stay (so they can be renewed) but
    count nowhere."""

    __tablename__ = "interest_declarations"
    __table_args__ = (
        UniqueConstraint("call_id", "user_id"),
        ForeignKeyConstraint(["call_id", "area_id"], ["interest_areas.call_id", "interest_areas.id"],
                             name="fk_interest_declarations_call_area"),
        CheckConstraint("days_per_week BETWEEN 0 AND 7", name="days_per_week_in_range"),
        CheckConstraint("role != 'user' OR (manager_experience = '' AND manager_offer = '')",
                        name="manager_text_only_for_managers"),
        Index("ix_interest_declarations_call_live", "call_id", "withdrawn_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("interest_calls.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role), index=True)
    profile: Mapped[Profile] = mapped_column(str_enum(Profile), index=True)
    sector: Mapped[str] = mapped_column(String(120), default="")
    days_per_week: Mapped[int] = mapped_column(default=0)
    area_id: Mapped[int | None] = mapped_column(index=True)  # None: no preference
    budget: Mapped[Budget] = mapped_column(str_enum(Budget), index=True)
    horizon: Mapped[Horizon] = mapped_column(str_enum(Horizon), index=True)
    manager_experience: Mapped[str] = mapped_column(Text, default="")
    manager_offer: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    # Consent to be contacted by the body about this initiative: separate from the declaration, never assumed.
    contact_consent: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(index=True)

    call: Mapped[InterestCall] = relationship()
    user: Mapped[User] = relationship()
    area: Mapped[InterestArea | None] = relationship(
        primaryjoin="Declaration.area_id == InterestArea.id", foreign_keys=[area_id], viewonly=True
    )
    needs: Mapped[list[DeclarationNeed]] = relationship(
        cascade="all, delete-orphan", order_by="DeclarationNeed.need"
    )

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def is_manager(self) -> bool:
        return self.role in (Role.MANAGER, Role.BOTH)

    @property
    def need_values(self) -> list[Need]:
        return [row.need for row in self.needs]


class DeclarationNeed(db.Model):
    """One need of a declaration: a row each, so needs are counted with GROUP BY."""

    __tablename__ = "interest_declaration_needs"

    declaration_id: Mapped[int] = mapped_column(
        ForeignKey("interest_declarations.id", ondelete="CASCADE"), primary_key=True
    )
    need: Mapped[Need] = mapped_column(str_enum(Need), primary_key=True, index=True)
