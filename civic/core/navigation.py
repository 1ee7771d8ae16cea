"""The site's main sections, in menu order: (endpoint, label). A feature adds its line here when it lands."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

MAIN_SECTIONS: list[tuple[str, object]] = [
    ("consultations.list_consultations", _l("Consultations")),
    ("motions.list_motions", _l("Motions")),
    ("meetings.list_meetings", _l("Meetings")),
    ("surveys.list_surveys", _l("Surveys")),
    ("interest.list_calls", _l("Calls for interest")),
    ("results.open_data", _l("Open data")),
]

# Councillor area entries shown on /manage/: (endpoint, label, description).
MANAGE_SECTIONS: list[tuple[str, object, object]] = [
    ("consultations.manage_consultations", _l("Consultations"),
     _l("Create, publish and close consultations and their phases.")),
    ("motions.manage_motions", _l("Motions"), _l("Publish motions, record the council's vote and what follows.")),
    ("meetings.manage_meetings", _l("Meetings"),
     _l("Publish meetings with agenda and seats, see who is coming, check people in, keep the minutes.")),
    ("surveys.manage_surveys", _l("Surveys"),
     _l("Build questionnaires, preview, open and close them, enter responses collected on paper.")),
    ("interest.manage_calls", _l("Calls for interest"),
     _l("Create, open and close calls for interest; read the demand and contact consenting managers.")),
    ("results.manage_results", _l("Results and dashboards"),
     _l("Read survey results and consultation dashboards; download responses and open data.")),
]
