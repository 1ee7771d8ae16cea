"""Council motions: filed, voted and followed up, supported and discussed by citizens."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from civic.core.features import (
    Commentable,
    Feature,
    Feed,
    Followable,
    Link,
    NotificationKind,
    PersonalRecords,
    Section,
)
from civic.core.records import count_of, stream
from civic.motions import api, demo, queries, sections
from civic.motions.models import Motion
from civic.motions.views import bp


def _motion_url(motion: Motion, anchor: str | None = None) -> str:
    return url_for("motions.show_motion", motion_id=motion.id, _anchor=anchor)


feature = Feature(
    name="motions",
    blueprint=bp,
    menu=[Link("motions.list_motions", _l("Motions"))],
    manage=[Link("motions.manage_motions", _l("Motions"),
                 _l("Publish motions, record the council's vote and what follows."))],
    home=Section("motions", "motions/_home.html", sections.home),
    keyed_tables=frozenset({"motion_supports"}),  # supports announce their motion (civic.core.pagecache)
    consultation=Section("motions", "motions/_consultation_section.html", sections.consultation_motions),
    dashboard=Section("motions", "motions/_dashboard.html", sections.dashboard),
    participants=queries.supporters,
    personal_data=[PersonalRecords(
        "motion_supports", _l("Motion supports"), _l("The motions you support and since when."),
        lambda user_id: count_of(queries.supports_of(user_id)),
        lambda user_id: stream(queries.supports_of(user_id)),
        _l("Your supports are deleted: the motions you supported count one support less."))],
    feeds=[Feed("motions.list_motions_json", _l("Council motions"), "JSON",
                _l("Every public motion with its status, proposers, the council's vote and the follow-up."),
                per_body=lambda body: {"body": body.id}, keywords=("mozioni", "consiglio comunale"))],
    public_bodies=lambda: select(Motion.body_id).where(queries.PUBLIC),
    api=api.part,
    commentable=[Commentable("motion", Motion, _motion_url)],
    followables=[Followable("motion", Motion, _l("Motion"), _motion_url)],
    notification_kinds=[
        NotificationKind("motion.scheduled", "motion", _l("A motion I follow is put on the council's agenda"),
                         _l("On the council's agenda: %(title)s")),
        NotificationKind("motion.voted", "motion", _l("The council votes on a motion I follow"),
                         _l("The council voted: %(title)s")),
        NotificationKind("motion.milestone", "motion",
                         _l("A step is added to what follows a motion I follow"),
                         _l("A new step after the motion: %(title)s")),
    ],
    demo=demo.load,
)
