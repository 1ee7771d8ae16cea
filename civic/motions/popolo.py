"""Motions as open data in the Popolo format (https://www.popoloproject.com/specs/motion.html): a Motion with
its VoteEvent embedded, counts per option (yes, no, abstain, absent) and the roll call as votes. A few Civic
extensions (title, status, topics, proposers, milestones, supports) sit beside the Popolo properties."""
from __future__ import annotations

import datetime as dt

from flask import url_for

from civic.bodies.models import Body
from civic.core.timezone import ROME
from civic.motions.models import Motion, MotionStatus

RESULTS = {MotionStatus.APPROVED: "pass", MotionStatus.REJECTED: "fail"}


def _moment(day: dt.date | None) -> str | None:
    """Popolo wants date-times: a date becomes the start of that day in the site's time zone."""
    if day is None:
        return None
    return dt.datetime.combine(day, dt.time(), ROME).isoformat()


def organization(body: Body) -> dict:
    return {
        "id": body.slug,
        "name": body.name,
        "classification": "council",
        "parent_id": body.parent.slug if body.parent else None,
    }


def vote_event(motion: Motion) -> dict:
    counts = [{"option": option.value, "value": value}
              for option, value in motion.counts.items() if value is not None]
    return {
        "id": f"{motion.id}-vote",
        "motion_id": str(motion.id),
        "organization_id": motion.body.slug,
        "start_date": _moment(motion.voted_on),
        "result": RESULTS.get(motion.status),
        "counts": counts,
        "votes": [{"voter": {"name": vote.voter_name}, "option": vote.option.value}
                  for vote in motion.roll_call],
    }


def motion(item: Motion) -> dict:
    """One public motion; expects body, proposers, topics, roll call, milestones and supports_count loaded."""
    page = url_for("motions.show_motion", motion_id=item.id, _external=True)
    proposers = [{"name": proposer.name} for proposer in item.proposers]
    data = {
        "id": str(item.id),
        "organization_id": item.body.slug,
        "organization": organization(item.body),
        "text": item.text,
        "identifier": item.identifier,
        "classification": "motion",
        "date": _moment(item.filed_on),
        "result": RESULTS.get(item.status),
        "vote_events": [vote_event(item)] if item.voted_on else [],
        "created_at": item.created_at.isoformat(),
        "updated_at": item.updated_at.isoformat(),
        "sources": [{"url": page, "note": "Civic"}],
        # Civic extensions.
        "title": item.title,
        "status": item.status.value,
        "topics": list(item.topics),
        "proposers": proposers,
        "consultation": item.consultation.slug if item.consultation and item.consultation.is_public else None,
        "supports": item.supports_count,
        "milestones": [
            {"date": m.due_on.isoformat() if m.due_on else None, "title": m.title,
             "description": m.description, "done": m.done}
            for m in item.milestones
        ],
    }
    if proposers:
        data["creator"] = proposers[0]
    return data
