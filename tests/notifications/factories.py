"""Followers in bulk, for the batch tests and the benchmark. Call inside an app context; commits."""
from __future__ import annotations

import itertools

from sqlalchemy import insert, select

from civic.accounts.models import User
from civic.database import db, utcnow
from civic.notifications.models import Follow, NotificationSettings
from civic.notifications.services import unsubscribe_token
from tests.factories import PASSWORD, _password_hash

_sequence = itertools.count(1)


def bulk_followers(target: str, target_id: int, count: int, prefix: str = "follower") -> list[int]:
    """`count` confirmed people (every other one English-speaking) who follow one thing; their ids."""
    batch = next(_sequence)
    now = utcnow()
    password_hash = _password_hash(PASSWORD)
    emails = [f"{prefix}-{batch}-{n}@example.org" for n in range(count)]
    db.session.execute(insert(User), [
        {"email": email, "display_name": f"Follower {n}", "password_hash": password_hash,
         "privacy_accepted_at": now, "email_confirmed_at": now, "locale": "en" if n % 2 else "it",
         "created_at": now, "password_changed_at": now, "is_admin": False, "is_active_account": True}
        for n, email in enumerate(emails)])
    ids = list(db.session.scalars(select(User.id).where(User.email.in_(emails)).order_by(User.id)))
    db.session.execute(insert(NotificationSettings), [
        {"user_id": user_id, "unsubscribe_token": unsubscribe_token(user_id)} for user_id in ids])
    db.session.execute(insert(Follow), [
        {"user_id": user_id, "target": target, "target_id": target_id, "created_at": now} for user_id in ids])
    db.session.commit()
    return ids
