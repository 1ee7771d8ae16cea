"""Calls for interest: citizens say they would use a space (a coworking) or could run it."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from civic.core.features import Feature, Feed, Link, PersonalRecords, Section
from civic.interest import api, demo, personal_data, queries, sections
from civic.interest.views import bp

feature = Feature(
    name="interest",
    blueprint=bp,
    menu=[Link("interest.list_calls", _l("Calls for interest"))],
    manage=[Link("interest.manage_calls", _l("Calls for interest"),
                 _l("Create, open and close calls for interest; read the demand and contact consenting "
                    "managers."))],
    consultation=Section("interest", "interest/_consultation_section.html", sections.consultation_calls),
    dashboard=Section("interest", "interest/_dashboard.html", sections.dashboard),
    participants=queries.declarants,
    personal_data=[PersonalRecords(
        "interest_declarations", _l("Declarations of interest"),
        _l("Your role, profile, needs, area, budget, timing, notes and consent to be contacted."),
        personal_data.count, personal_data.rows, _l("Your declarations of interest are deleted."))],
    feeds=[Feed("interest_api.calls", _l("Calls for interest"), "JSON",
                _l("Every public call for interest with the summary of the declarations (small groups "
                   "hidden)."),
                per_body=lambda body: {"body": body.slug}, keywords=("manifestazioni di interesse",))],
    api=api.part,
    demo=demo.load,
)
