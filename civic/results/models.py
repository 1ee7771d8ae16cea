"""What the results feature stores itself: which free-text questions a councillor has published."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from civic.database import db, utcnow


class PublishedText(db.Model):
    """A question whose written answers (free text, "other" texts) the public results show. Written answers
    are hidden from the public unless a councillor of the body publishes them, question by question, after
    reading them."""

    __tablename__ = "results_published_texts"

    question_id: Mapped[int] = mapped_column(
        ForeignKey("survey_questions.id", ondelete="CASCADE"), primary_key=True
    )
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    published_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
