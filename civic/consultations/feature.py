"""Consultations belong to the platform (every feature's things live in one), but they show on the same
shared pages as the features, so they are declared the same way."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from civic.consultations import demo, sections
from civic.consultations.models import Consultation
from civic.consultations.views import bp
from civic.core.features import Feature, Followable, Link, Section

feature = Feature(
    name="consultations",
    blueprint=bp,
    menu=[Link("consultations.list_consultations", _l("Consultations"))],
    manage=[Link("consultations.manage_consultations", _l("Consultations"),
                 _l("Create, publish and close consultations and their phases."))],
    home=Section("consultations", "consultations/_home.html", sections.home),
    followables=[Followable("consultation", Consultation, _l("Consultation"),
                            lambda consultation: url_for("consultations.show_consultation",
                                                         slug=consultation.slug))],
    demo=demo.load,
)
