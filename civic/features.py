"""The features of this Civic, in the order the site shows them: menus, a consultation's sections and
dashboard, the home page, the demo, the personal data download. Each line is one feature's declaration (its
`feature.py` says what it adds); adding a feature is one more line here. Consultations and the open-data
pages belong to the platform, but contribute to the same shared pages, so they are declared the same way.
See civic/core/features.py for what a declaration may hold."""
from __future__ import annotations

from civic.api.feature import feature as open_data
from civic.census.feature import feature as census
from civic.comments.feature import feature as comments
from civic.consultations.feature import feature as consultations
from civic.interest.feature import feature as interest
from civic.meetings.feature import feature as meetings
from civic.motions.feature import feature as motions
from civic.notifications.feature import feature as notifications
from civic.results.feature import feature as results
from civic.surveys.feature import feature as surveys

FEATURES = [
    consultations,
    census,
    motions,
    meetings,
    surveys,
    interest,
    comments,
    results,
    open_data,
    notifications,
]
