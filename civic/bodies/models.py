from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.database import db, utcnow


class Body(db.Model):
    """A public body (ente), e.g. Comune di Genova, or Municipio IX Levante inside it."""

    __tablename__ = "bodies"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("bodies.id", ondelete="RESTRICT"), index=True)
    website: Mapped[str | None] = mapped_column(String(300))
    # Licence of the open data this body publishes (an SPDX identifier).
    data_licence: Mapped[str] = mapped_column(String(40), default="CC-BY-4.0")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    parent: Mapped[Body | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Body]] = relationship(back_populates="parent", order_by="Body.name")

    def __repr__(self) -> str:
        return f"<Body {self.slug}>"

    @property
    def full_name(self) -> str:
        """The name with its parent, as citizens read it: "Municipio IX Levante (Comune di Genova)"."""
        return f"{self.name} ({self.parent.name})" if self.parent else self.name
