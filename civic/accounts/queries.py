"""Reads about one person, for "download my data" and "delete my account": the platform's records (roles, the
audit lines about the person) here, each feature's through its declaration (civic.core.features
PersonalRecords). One select() per kind of record, each returning plain columns, so an export is a fixed
number of queries whatever the number of rows."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, and_, func, or_, select

from civic.accounts.models import Councillorship, User
from civic.audit.models import AuditEntry
from civic.bodies.models import Body


def councillorships(user_id: int) -> Select:
    """The bodies the person is a councillor of: body name, since when."""
    return (select(Body.name.label("body"), Councillorship.granted_at)
            .join(Body, Body.id == Councillorship.body_id)
            .where(Councillorship.user_id == user_id)
            .order_by(Councillorship.granted_at, Councillorship.id))


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


def record_counts(user_id: int, kinds: Sequence) -> Select:
    """How many records of each kind (civic.core.features.PersonalRecords) the person has, in one query (the
    pages that explain the export and the deletion show them), labelled by the kinds' keys."""
    return select(*(kind.count(user_id).label(kind.key) for kind in kinds))


def other_active_admins(user_id: int) -> Select:
    """How many active administrators there are besides this person."""
    return select(func.count(User.id)).where(User.is_admin.is_(True), User.is_active_account.is_(True),
                                             User.id != user_id)

