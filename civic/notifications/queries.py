"""Reads about follows and notifications, returning select()s or single values."""
from __future__ import annotations

from sqlalchemy import Select, String, cast, func, select

from civic.database import db
from civic.notifications.models import DEFAULT_DELIVERY, Follow, Notification, NotificationPreference


def is_following(user_id: int, target: str, target_id: int) -> bool:
    return db.session.scalar(select(Follow.id).where(
        Follow.user_id == user_id, Follow.target == target, Follow.target_id == target_id)) is not None


def followed(user_id: int) -> frozenset[tuple[str, int]]:
    """Everything the person follows, as (kind, id) pairs."""
    return frozenset((target, target_id) for target, target_id in db.session.execute(
        select(Follow.target, Follow.target_id).where(Follow.user_id == user_id)))


def followed_columns(user_id) -> tuple:
    """What the person follows as one column of the statement that learns who they are (civic/accounts/
    people.py; user_id: its user id column): the "kind:id" pairs joined by commas, NULL for nothing."""
    pair = Follow.target + ":" + cast(Follow.target_id, String)
    return (select(func.aggregate_strings(pair, ",")).where(Follow.user_id == user_id).scalar_subquery(),)


def followed_from_columns(pairs: str | None) -> frozenset[tuple[str, int]]:
    """`followed` from that column."""
    return frozenset((target, int(number)) for target, _, number in
                     (pair.rpartition(":") for pair in pairs.split(","))) if pairs else frozenset()


def _unread(user_id) -> Select:
    return select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))


def unread_count(user_id: int) -> int:
    """The person's unread notifications (the number beside "Notifications" in the header)."""
    return db.session.scalar(_unread(user_id)) or 0


def unread_column(user_id):
    """The same count as a scalar subquery of a user id column, read with the person (civic/accounts/
    people.py)."""
    return _unread(user_id).scalar_subquery()


def notifications_of(user_id: int) -> Select:
    """The person's notifications, newest first."""
    return (select(Notification).where(Notification.user_id == user_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc()))


def count_notifications(user_id: int) -> Select:
    return select(func.count()).select_from(Notification).where(Notification.user_id == user_id)


def follows_of(user_id: int) -> Select:
    """What the person follows (kind and id) and since when: for their page and "download my data"."""
    return (select(Follow.target, Follow.target_id, Follow.created_at.label("since"))
            .where(Follow.user_id == user_id).order_by(Follow.created_at, Follow.id))


def preferences_of(user_id: int) -> Select:
    return (select(NotificationPreference.kind, NotificationPreference.delivery,
                   NotificationPreference.updated_at)
            .where(NotificationPreference.user_id == user_id).order_by(NotificationPreference.kind))


def deliveries(user_id: int, kinds: list[str]) -> dict:
    """{kind: delivery} for every kind, the default where the person chose nothing."""
    chosen = dict(db.session.execute(select(NotificationPreference.kind, NotificationPreference.delivery)
                                     .where(NotificationPreference.user_id == user_id)).all())
    return {kind: chosen.get(kind, DEFAULT_DELIVERY) for kind in kinds}
