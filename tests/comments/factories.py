"""Comments for tests. Call inside an app context; each factory commits what it makes."""
from __future__ import annotations

from sqlalchemy import insert

from civic.comments.models import Comment
from civic.database import db, utcnow


def _target(motion=None, consultation=None) -> dict:
    if motion is not None:
        return {"target_kind": "motion", "target_id": motion.id}
    return {"target_kind": "consultation", "target_id": consultation.id}


def make_comment(author, text: str = "Sono d'accordo.", motion=None, consultation=None, parent=None,
                 **fields) -> Comment:
    comment = Comment(author_id=author.id, text=text, parent_id=parent.id if parent else None,
                      **_target(motion, consultation), **fields)
    db.session.add(comment)
    db.session.commit()
    return comment


def bulk_comments(author, count: int, motion=None, consultation=None) -> None:
    """`count` top-level comments, each with one reply, in two INSERTs."""
    now = utcnow()
    target = _target(motion, consultation)
    ids = db.session.scalars(insert(Comment).returning(Comment.id, sort_by_parameter_order=True), [
        {"author_id": author.id, "text": f"Commento {i}", "created_at": now, **target} for i in range(count)
    ]).all()
    db.session.execute(insert(Comment), [
        {"author_id": author.id, "text": f"Risposta {i}", "created_at": now, "parent_id": parent_id, **target}
        for i, parent_id in enumerate(ids)
    ])
    db.session.commit()
