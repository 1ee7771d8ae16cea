"""Comments for tests. Call inside an app context; each factory commits what it makes."""
from __future__ import annotations

from sqlalchemy import insert

from civic.comments.models import Comment
from civic.database import db, utcnow


def make_comment(author, text: str = "Sono d'accordo.", motion=None, consultation=None, parent=None,
                 **fields) -> Comment:
    comment = Comment(author_id=author.id, text=text, motion_id=motion.id if motion else None,
                      consultation_id=consultation.id if consultation else None,
                      parent_id=parent.id if parent else None, **fields)
    db.session.add(comment)
    db.session.commit()
    return comment


def bulk_comments(author, count: int, motion=None, consultation=None) -> None:
    """`count` top-level comments, each with one reply, in two INSERTs."""
    now = utcnow()
    target = {"motion_id": motion.id if motion else None,
              "consultation_id": consultation.id if consultation else None}
    ids = db.session.scalars(insert(Comment).returning(Comment.id, sort_by_parameter_order=True), [
        {"author_id": author.id, "text": f"Commento {i}", "created_at": now, **target} for i in range(count)
    ]).all()
    db.session.execute(insert(Comment), [
        {"author_id": author.id, "text": f"Risposta {i}", "created_at": now, "parent_id": parent_id, **target}
        for i, parent_id in enumerate(ids)
    ])
    db.session.commit()
