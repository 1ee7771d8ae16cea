"""Survey results in the DCAT-AP_IT catalogue (civic/api/catalog.py): one dataset per survey whose results are
public, under its body's licence, in CSV, JSON and as a data package. One query."""
from __future__ import annotations

from collections.abc import Iterator

from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from civic.core.features import Dataset, Distribution
from civic.database import db, utcnow
from civic.results import queries


def datasets() -> Iterator[Dataset]:
    for survey, responses in db.session.execute(queries.open_data_surveys(utcnow())):
        body = survey.consultation.body
        descriptions = {}
        for language in ("it", "en"):
            with force_locale(language):
                descriptions[language] = _(
                    "The aggregated results of the survey “%(title)s” (%(responses)d responses), as on its "
                    "public results page; written answers are not included.",
                    title=survey.title, responses=responses)
        yield Dataset(
            key=f"survey-{survey.id}-results", title=survey.title, description=descriptions, body=body,
            landing_page=url_for("results.show_results", survey_id=survey.id, _external=True),
            distributions=[
                Distribution(url_for("results.public_results_csv", survey_id=survey.id, _external=True),
                             "CSV", "text/csv"),
                Distribution(url_for("results_api.survey_results", survey_id=survey.id, _external=True),
                             "JSON", "application/json"),
                Distribution(url_for("results.public_datapackage", survey_id=survey.id, _external=True),
                             "ZIP", "application/zip", "Frictionless Data Package"),
            ],
            issued=survey.opens_at, modified=survey.closes_at or survey.updated_at,
            keywords=("questionari", "risultati"))
