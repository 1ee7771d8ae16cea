"""What calls for interest show on the shared pages: a consultation's page and its dashboard (declared in
civic/interest/feature.py)."""
from __future__ import annotations

from flask_babel import gettext as _

from civic.consultations.timeline import TimelineEvent
from civic.core.disclosure import default_threshold
from civic.core.timezone import local_date, local_today
from civic.database import db
from civic.interest import queries


def consultation_calls(consultation, viewer) -> dict:
    """The consultation's calls with their number of live declarations (one query), and their opening and
    closing for the timeline."""
    rows = db.session.execute(queries.consultation_calls(consultation.id)).all()
    calls = [(call, count) for call, count in rows]
    today = local_today()
    timeline = []
    for call, _count in calls:
        opens, closes = local_date(call.opens_at), local_date(call.closes_at)
        timeline.append(TimelineEvent(opens, _("Call for interest opens: %(title)s", title=call.title),
                                      "interest", planned=opens > today))
        timeline.append(TimelineEvent(closes, _("Call for interest closes: %(title)s", title=call.title),
                                      "interest", planned=closes > today))
    return {"interest_calls": calls, "small_cell": default_threshold(), "timeline": timeline}


def dashboard(consultation) -> dict:
    """Live declarations per call of the consultation, by role: one query."""
    return {"calls": db.session.execute(queries.dashboard_declarations(consultation.id)).all()}
