"""Yes or no: a pair of radio buttons. Its answer is stored as a single choice's, one of two options the kind
makes itself when the question is first saved, labelled in the language of the request that creates it (the
questionnaire's), so a condition can say "show only if yes", and results, breakdowns and exports count it as
any choice."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from civic.surveys.kinds.base import Kind
from civic.surveys.kinds.single_choice import SingleChoice


class YesNo(SingleChoice):
    name = "yes_no"
    label = _l("Yes or no")
    has_other = False
    column_description = _l("Question %(number)d (yes or no): %(prompt)s")

    # --- the builder: no options to write ---

    def form_fields(self) -> dict:
        return {}

    def check(self, form) -> bool:
        return True

    def settings_data(self, form) -> dict:
        return Kind.settings_data(self, form)

    def load(self, form, question) -> None:
        pass

    def option_labels(self, question, data) -> list[str]:
        """Yes and No when the question is created; afterwards the two it has (an edit in another language
        does not rename them)."""
        if question.options:
            return [option.label for option in question.options]
        return [_("Yes"), _("No")]
