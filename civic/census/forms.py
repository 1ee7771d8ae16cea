"""Forms of census verification, and the fields of "who may take part" every activity's form adds."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, SelectField, StringField
from wtforms.validators import InputRequired, Length

from civic.census.eligibility import LABELS, LEVEL_LABELS, Audience


class EligibilityFields:
    """Mixed into an activity's form: who may take part, and the least SPID/CIE level."""

    audience = SelectField(_l("Who can take part"), choices=[(a.value, label) for a, label in LABELS.items()],
                           default=Audience.ANYONE.value,
                           description=_l("Verified residents: people whose residence the body's census "
                                          "confirmed (through SPID or CIE, or the typed-in check when the "
                                          "body allows it)."))
    audience_level = SelectField(_l("Least SPID level"), choices=list(LEVEL_LABELS.items()), coerce=int,
                                 default=2, description=_l("Only for people signed in with SPID or CIE."))

    def eligibility(self) -> dict:
        return {"audience": Audience(self.audience.data), "audience_level": int(self.audience_level.data)}


COMMENT_AUDIENCES = (Audience.CONFIRMED, Audience.IDENTITY, Audience.RESIDENT)  # comments need an author


class CommentEligibilityFields:
    """Mixed into a form of something people comment on: who may comment."""

    comment_audience = SelectField(_l("Who can comment"),
                                   choices=[(a.value, LABELS[a]) for a in COMMENT_AUDIENCES],
                                   default=Audience.CONFIRMED.value)
    comment_audience_level = SelectField(_l("Least SPID level to comment"),
                                         choices=list(LEVEL_LABELS.items()), coerce=int, default=2,
                                         description=_l("Only for people signed in with SPID or CIE."))

    def comment_eligibility(self) -> dict:
        return {"comment_audience": Audience(self.comment_audience.data).value,
                "comment_audience_level": int(self.comment_audience_level.data)}


class UploadForm(FlaskForm):
    body = SelectField(_l("Body"), coerce=int)  # checked by the view: a body that exists
    file = FileField(_l("Residents list (CSV)"), validators=[FileRequired(_l("Choose a CSV file."))],
                     description=_l("One resident per row: a column codice_fiscale and, if you have it, "
                                    "data_nascita (1985-02-14 or 14/02/1985). Comma or semicolon separated. "
                                    "The new list replaces the old one only when all of it is in."))
    covers_parent = BooleanField(_l("Its residents are residents of the body above it too"))
    allows_declared = BooleanField(
        _l("Also let people verify themselves by typing their fiscal code and birth date"),
        description=_l("A lower level than SPID or CIE: shown as such in the results."))


class DeclarationForm(FlaskForm):
    fiscal_code = StringField(
        _l("Fiscal code"),
        validators=[InputRequired(), Length(min=16, max=16, message=_l("A fiscal code has 16 characters."))],
        render_kw={"autocomplete": "off", "spellcheck": "false"})
    birth_date = DateField(_l("Birth date"), validators=[InputRequired(_l("Enter a valid date."))])
