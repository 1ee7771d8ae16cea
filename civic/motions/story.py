"""A motion's story (filed, scheduled, voted, withdrawn, then what followed) as timeline events."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from civic.consultations.timeline import TimelineEvent, in_order
from civic.motions.models import Motion, MotionStatus


def motion_story(motion: Motion) -> list[TimelineEvent]:
    """Everything that happened to the motion, oldest first; planned steps without a date come last."""
    events = []
    if motion.filed_on:
        events.append(TimelineEvent(motion.filed_on,
                                    _("Filed in the council of %(body)s", body=motion.body.name), "filed"))
    if motion.scheduled_for:
        events.append(TimelineEvent(motion.scheduled_for, _("On the agenda of the council session"),
                                    "scheduled", planned=motion.status == MotionStatus.SCHEDULED))
    if motion.voted_on:
        approved = motion.status == MotionStatus.APPROVED
        title = _("Approved by the council") if approved else _("Rejected by the council")
        events.append(TimelineEvent(motion.voted_on, title, str(motion.status)))
    if motion.withdrawn_on:
        events.append(TimelineEvent(motion.withdrawn_on, _("Withdrawn by the proposers"), "withdrawn"))
    for milestone in motion.milestones:
        events.append(TimelineEvent(milestone.due_on, milestone.title, "milestone",
                                    planned=not milestone.done, detail=milestone.description))
    return in_order(events)


def consultation_events(motions: list[Motion]) -> list[TimelineEvent]:
    """The steps of a consultation's motions, for the consultation's timeline."""
    events = []
    for motion in motions:
        url = url_for("motions.show_motion", motion_id=motion.id)
        if motion.filed_on:
            events.append(TimelineEvent(motion.filed_on, _("Motion filed: %(title)s", title=motion.title),
                                        "filed", url=url))
        if motion.voted_on:
            title = (_("Motion approved: %(title)s", title=motion.title)
                     if motion.status == MotionStatus.APPROVED
                     else _("Motion rejected: %(title)s", title=motion.title))
            events.append(TimelineEvent(motion.voted_on, title, str(motion.status), url=url))
        for milestone in motion.milestones:
            events.append(TimelineEvent(milestone.due_on, milestone.title, "milestone", url=url,
                                        planned=not milestone.done))
    return events
