"""What the results feature stores itself: which free-text questions a councillor has published."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Text
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


class Snapshot(db.Model):
    """A survey's results aggregates as of its responses up to `upto` (their number: `responses`), so a new
    process adds only the responses since rather than aggregating every one (civic.results.snapshots). Counts
    per option, value, month and hour only: never a response, a person or a written answer."""

    __tablename__ = "results_snapshots"

    survey_id: Mapped[int] = mapped_column(
        ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True
    )
    survey_created_at: Mapped[dt.datetime]
    responses: Mapped[int]
    upto: Mapped[int | None]  # the highest response id counted; None before the first response
    figures: Mapped[str] = mapped_column(Text)  # JSON (civic.results.snapshots.encode)
    made_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
