"""The demo citizen follows the Genova motion and consultation and finds one notification waiting."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from civic.core.features import Happening
from civic.database import db
from civic.notifications import services
from civic.notifications.models import Follow


def load(context: dict, echo: Callable[[str], None] = print) -> None:
    citizen = context["people"]["citizen"]
    if db.session.scalar(select(Follow.id).where(Follow.user_id == citizen.id).limit(1)) is not None:
        return
    motion = (context.get("motions") or {}).get("genova")
    consultation = (context.get("consultations") or {}).get("genova")
    for target, thing in (("motion", motion), ("consultation", consultation)):
        if thing is not None:
            services.start_following(citizen.id, target, thing.id)
    if motion is not None:
        services.notify(Happening("motion.milestone", "motion", motion.id))
    db.session.commit()
    echo("  notifications: Giulia Rossi follows the Genova motion and consultation, one notification waits")
