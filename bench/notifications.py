"""`make bench` (after the page benchmarks), or alone: `.venv/bin/python -m bench.notifications`.

Telling the followers of one motion that the council voted, on PostgreSQL (when it answers at 127.0.0.1:5432)
and on SQLite: 10,000 followers (BENCH_FOLLOWERS), half of them wanting e-mail at once, a quarter the daily
digest, a quarter the site only. One measured call writes every in-site notification and every e-mail into
the outbox (two INSERT ... SELECT) and commits; then the digest of the daily quarter. Prints the statements
and the time (median of BENCH_ROUNDS rounds, each on fresh rows) and writes bench/results-notifications.json.
"""
from __future__ import annotations

import json
import os
import secrets
import statistics
import time
from pathlib import Path

from sqlalchemy import delete, event, func, insert, select

from bench.database import postgres_available
from bench.harness import bench_database
from civic.accounts.models import User
from civic.bodies.models import Body
from civic.core.features import Happening, announce
from civic.database import db, utcnow
from civic.motions.models import Motion, MotionStatus
from civic.notifications.models import (
    Delivery,
    Follow,
    Notification,
    NotificationPreference,
    NotificationSettings,
)
from civic.notifications.services import send_digests, unsubscribe_token
from civic.outbox.models import OutboxMessage

FOLLOWERS = int(os.environ.get("BENCH_FOLLOWERS", "10000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
RESULTS = Path(__file__).resolve().parent / "results-notifications.json"


def _load(count: int) -> int:
    """A filed motion and `count` confirmed followers with their preferences; the motion's id."""
    now = utcnow()
    body = Body(slug="comune", name="Comune")
    db.session.add(body)
    db.session.flush()
    motion = Motion(body_id=body.id, title="Coworking in ogni municipio", text="Testo.",
                    status=MotionStatus.FILED, topics=[], published_at=now)
    db.session.add(motion)
    db.session.flush()
    db.session.execute(insert(User), [
        {"email": f"person{n}@example.org", "display_name": f"Person {n}", "password_hash": "x",
         "privacy_accepted_at": now, "email_confirmed_at": now, "locale": "en" if n % 3 == 0 else "it",
         "created_at": now, "password_changed_at": now, "is_admin": False, "is_active_account": True}
        for n in range(count)])
    ids = list(db.session.scalars(select(User.id).order_by(User.id)))
    db.session.execute(insert(NotificationSettings), [
        {"user_id": user_id, "unsubscribe_token": unsubscribe_token(user_id)} for user_id in ids])
    db.session.execute(insert(Follow), [{"user_id": user_id, "target": "motion", "target_id": motion.id,
                                         "created_at": now} for user_id in ids])
    wanted = {1: Delivery.DAILY, 3: Delivery.SITE}  # by n % 4; the other half keeps the default (at once)
    db.session.execute(insert(NotificationPreference), [
        {"user_id": user_id, "kind": "motion.voted", "delivery": wanted[n % 4], "updated_at": now}
        for n, user_id in enumerate(ids) if n % 4 in wanted])
    db.session.commit()
    return motion.id


def _measure(app, backend: str) -> dict:
    motion_id = _load(FOLLOWERS)
    engine = db.engine
    timings, digests, statements = [], [], []
    for _round in range(ROUNDS):
        db.session.execute(delete(Notification))
        db.session.execute(delete(OutboxMessage))
        db.session.commit()
        seen: list[str] = []

        def count(_conn, _cursor, statement, *_args, seen=seen):
            seen.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        started = time.perf_counter()
        announce(Happening("motion.voted", "motion", motion_id, "Approvata"))
        db.session.commit()
        timings.append(time.perf_counter() - started)
        event.remove(engine, "before_cursor_execute", count)
        statements.append(len(seen))
        started = time.perf_counter()
        sent = send_digests()
        db.session.commit()
        digests.append(time.perf_counter() - started)
    notifications = db.session.scalar(select(func.count()).select_from(Notification))
    mails = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    return {"backend": backend, "followers": FOLLOWERS, "statements": max(statements),
            "notifications": notifications, "mails_at_once_and_digests": mails, "digests": sent,
            "notify_seconds": statistics.median(timings), "notify_seconds_max": max(timings),
            "digest_seconds": statistics.median(digests)}


def main() -> None:
    backends = os.environ.get("BENCH_BACKENDS", "postgresql,sqlite").split(",")
    results = []
    for backend in backends:
        if backend == "postgresql" and not postgres_available():
            print("notifications bench: PostgreSQL does not answer at 127.0.0.1:5432, skipped")
            continue
        # The page benchmarks' database (with the baseline's table beside, unused here) and in-process app.
        with bench_database(backend, secrets.token_hex(32)) as (app, _env), app.app_context():
            results.append(_measure(app, backend))
    print(f"\nTelling {FOLLOWERS:,} followers of a motion (median of {ROUNDS} rounds)")
    print(f"{'database':<11} {'statements':>10} {'notifications':>13} {'e-mails':>8} {'notify s':>9} "
          f"{'digest s':>9}")
    for row in results:
        print(f"{row['backend']:<11} {row['statements']:>10} {row['notifications']:>13,} "
              f"{row['mails_at_once_and_digests']:>8,} {row['notify_seconds']:>9.3f} "
              f"{row['digest_seconds']:>9.3f}")
    RESULTS.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
