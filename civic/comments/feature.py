"""Comments: threads on whatever a feature declares commentable (consultations here, motions in their own
feature), moderation for administrators."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from civic.comments import personal_data, queries, threads
from civic.comments.views import bp
from civic.consultations.models import Consultation
from civic.core.features import (
    Commentable,
    Feature,
    Link,
    NotificationKind,
    PersonalRecords,
    Section,
    Waiting,
)


def _consultation_url(consultation: Consultation, anchor: str | None = None) -> str:
    return url_for("consultations.show_consultation", slug=consultation.slug, _anchor=anchor)


feature = Feature(
    name="comments",
    blueprint=bp,
    admin=[Link("comments.moderate_comments", _l("Reported comments"))],
    waiting=[Waiting("reported_comments", _l("Reported comments still shown"), "comments.moderate_comments",
                     lambda _body_ids: queries.waiting_reports_count(), admin=True)],
    consultation=Section("comments", "comments/_thread.html", threads.consultation_thread),
    commentable=[Commentable("consultation", Consultation, _consultation_url)],
    personal_data=[PersonalRecords(
        "comments", _l("Comments"),
        _l("Their text, what they are about, when you wrote or corrected them and whether the moderators hid "
           "them."),
        personal_data.count, personal_data.rows,
        _l("Your comments stay, so that the replies of others keep making sense, but your name is removed: "
           "they are shown as written by a “%(former)s”.", former=_l("Former participant")))],
    private_tables=frozenset({"comment_reports"}),
    # About a followable thing (a consultation, a motion), told to the author of the comment replied to.
    notification_kinds=[NotificationKind("comment.reply", None, _l("Someone replies to my comment"),
                                         _l("A reply to your comment on %(title)s"))],
)
