"""Survey results: figures with intervals, breakdowns, exports and open data."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from civic.core.features import Feature, Link, Section
from civic.results import api, catalog, sections
from civic.results.views import bp

feature = Feature(
    name="results",
    blueprint=bp,
    manage=[Link("results.manage_results", _l("Results and dashboards"),
                 _l("Read survey results and consultation dashboards; download responses and open data."))],
    dashboard=Section("surveys", "results/_dashboard.html", sections.dashboard),
    open_data=Section("surveys", "results/_open_data.html", sections.open_data),
    datasets=catalog.datasets,
    api=api.part,
    private_tables=frozenset({"results_snapshots"}),  # a snapshot changes no figure shown
)
