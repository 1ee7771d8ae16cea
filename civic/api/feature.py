"""Open data belongs to the platform: the /api/v1 endpoints of bodies and consultations, the OpenAPI document
of the whole API and the /open-data page, where each feature adds its feeds and sections."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from civic.api import catalog
from civic.api.views import bp
from civic.core.features import Feature, Feed, Link

feature = Feature(
    name="open_data",
    blueprint=bp,
    menu=[Link("api.open_data", _l("Open data"))],
    feeds=[Feed("api.openapi", _l("API description"), "OpenAPI (JSON)",
                _l("The read-only JSON API of the platform and how to use it."), service=True),
           Feed("api.consultations", _l("Consultations"), "JSON",
                _l("Every public consultation with its topic, dates and phases."),
                per_body=lambda body: {"body": body.slug}, keywords=("consultazioni", "partecipazione"))],
    api=catalog.part,
)
