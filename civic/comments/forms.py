from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, Regexp

from civic.comments.models import MAX_LENGTH


class CommentForm(FlaskForm):
    text = TextAreaField(
        _l("Your comment"),
        validators=[
            InputRequired(message=_l("Write your comment.")),
            Length(max=MAX_LENGTH, message=_l("At most %(max)d characters.", max=MAX_LENGTH)),
        ],
        description=_l("Plain text, at most %(max)d characters. You can correct it for 15 minutes.",
                       max=MAX_LENGTH),
        render_kw={"rows": 4, "maxlength": MAX_LENGTH},
    )
    reply_to = HiddenField(validators=[Optional(), Regexp(r"^\d{1,9}$")])

