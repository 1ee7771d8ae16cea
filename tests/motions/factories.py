"""Motions for tests. Call inside an app context; each factory commits what it makes."""
from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy import insert

from civic.database import db, utcnow
from civic.motions.models import Milestone, Motion, MotionProposer, MotionStatus, MotionSupport

_sequence = itertools.count(1)


def make_motion(body, title: str | None = None, status: MotionStatus = MotionStatus.FILED,
                proposers: tuple[str, ...] = ("Walter Vassallo",), topics: list[str] | None = None,
                **fields) -> Motion:
    n = next(_sequence)
    motion = Motion(
        body_id=body.id, title=title or f"Mozione {n}", text=fields.pop("text", f"Testo della mozione {n}."),
        status=status, topics=list(topics or []), filed_on=fields.pop("filed_on", dt.date(2013, 5, 2)),
        published_at=None if status == MotionStatus.DRAFT else utcnow(), **fields,
    )
    for position, name in enumerate(proposers):
        motion.proposers.append(MotionProposer(position=position, name=name))
    db.session.add(motion)
    db.session.commit()
    return motion


def bulk_motions(body, count: int, consultation=None) -> list[int]:
    """`count` filed motions in one INSERT (fast enough for 500), each with a proposer; returns their ids."""
    now = utcnow()
    rows = [
        {"body_id": body.id, "consultation_id": consultation.id if consultation else None,
         "title": f"Mozione di prova {i}", "text": "Testo.", "status": MotionStatus.FILED,
         "filed_on": dt.date(2014, 1, 1) + dt.timedelta(days=i % 300), "created_at": now, "updated_at": now,
         "published_at": now, "outcome_note": ""}
        for i in range(count)
    ]
    ids = db.session.scalars(insert(Motion).returning(Motion.id, sort_by_parameter_order=True), rows).all()
    db.session.execute(insert(MotionProposer), [
        {"motion_id": motion_id, "position": 0, "name": f"Consigliere {i}"} for i, motion_id in enumerate(ids)
    ])
    db.session.commit()
    return ids


def bulk_supports(motion_ids: list[int], users: list) -> None:
    """Every user supports every motion, in one INSERT."""
    now = utcnow()
    db.session.execute(insert(MotionSupport), [
        {"motion_id": motion_id, "user_id": user.id, "created_at": now}
        for motion_id in motion_ids for user in users
    ])
    db.session.commit()


def bulk_milestones(motion_ids: list[int]) -> None:
    """A planned follow-up step for every motion, in one INSERT."""
    now = utcnow()
    db.session.execute(insert(Milestone), [
        {"motion_id": motion_id, "title": "Passo successivo", "description": "", "done": False,
         "created_at": now}
        for motion_id in motion_ids
    ])
    db.session.commit()
