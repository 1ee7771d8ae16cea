"""Two outbox workers running the daily digest at the same moment send each person's digest once, on
whichever database the suite runs on: the notifications are claimed by one UPDATE ... RETURNING."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from civic.core.features import Happening, announce
from civic.database import db
from civic.notifications import services
from civic.notifications.models import Delivery, NotificationPreference
from civic.outbox.models import OutboxMessage
from tests.factories import make_body
from tests.motions.factories import make_motion
from tests.notifications.factories import bulk_followers


def test_two_workers_send_each_digest_once(app):
    with app.app_context():
        motion = make_motion(make_body())
        people = bulk_followers("motion", motion.id, 40)
        db.session.execute(NotificationPreference.__table__.insert(), [
            {"user_id": user_id, "kind": "motion.voted", "delivery": Delivery.DAILY.value,
             "updated_at": motion.created_at} for user_id in people])
        for detail in ("Approvata", "Correzione"):
            announce(Happening("motion.voted", "motion", motion.id, detail))
        db.session.commit()
        db.session.remove()
    start = threading.Barrier(2)
    sent: list[int] = []
    errors: list[BaseException] = []

    def worker():
        try:
            with app.app_context():
                start.wait()
                sent.append(services.send_digests())
                db.session.commit()
                db.session.remove()
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sum(sent) == 40
    with app.app_context():
        per_person = db.session.execute(select(OutboxMessage.to_address, func.count())
                                        .group_by(OutboxMessage.to_address)).all()
        assert len(per_person) == 40 and {count for _to, count in per_person} == {1}
