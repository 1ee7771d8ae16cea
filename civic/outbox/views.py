"""The administrators' page of the outbox, /manage/admin/outbox/ (admin-only, like everything under
/manage/admin: civic.accounts.auth.guard_manage_area): failed and stuck e-mail, and sending it again."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from civic.core.forms import EmptyForm
from civic.core.pagination import paginate
from civic.database import db, utcnow
from civic.outbox import queries, services
from civic.outbox.models import OutboxMessage

bp = Blueprint("outbox", __name__, url_prefix="/manage/admin/outbox")


@bp.get("/")
def list_messages():
    now = utcnow()
    schedule = services.Schedule.from_config(current_app.config)
    page = paginate(queries.needing_attention(now, schedule.reclaim_after), per_page=50,
                    count_query=queries.needing_attention_count(now, schedule.reclaim_after))
    counts = dict(db.session.execute(queries.state_counts(now, schedule.reclaim_after)).all())
    return render_template(
        "outbox/messages.html", page=page, counts=counts, form=EmptyForm(),
        retry_hours=format_decimal(schedule.retry_for / dt.timedelta(hours=1)),
        reclaim_minutes=int(schedule.reclaim_after / dt.timedelta(minutes=1)),
    )


@bp.post("/<int:message_id>/retry")
def retry_message(message_id: int):
    db.get_or_404(OutboxMessage, message_id)
    if EmptyForm().validate_on_submit():
        queued = services.send_again(current_user, [message_id])
        db.session.commit()
        if queued:
            flash(_("Message #%(id)d will be sent again by the next round of the outbox worker.",
                    id=message_id), "success")
        else:
            flash(_("Message #%(id)d was left as it is: it has been sent, or a worker is sending it.",
                    id=message_id), "warning")
    return redirect(url_for("outbox.list_messages"))


@bp.post("/retry-failed")
def retry_failed():
    if EmptyForm().validate_on_submit():
        queued = services.send_again_all_failed(current_user)
        db.session.commit()
        flash(ngettext("%(num)d failed message will be sent again by the next round of the outbox worker.",
                       "%(num)d failed messages will be sent again by the next round of the outbox worker.",
                       len(queued)), "success" if queued else "info")
    return redirect(url_for("outbox.list_messages"))
