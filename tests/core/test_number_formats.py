"""The templates' number filters (civic.core.web) print what Flask-Babel's format_decimal and format_percent
print, in each language, though they remember Babel's answers; and the templates' gettext follows a
language switched for an e-mail (force_locale) and back."""
from __future__ import annotations

import random
from decimal import Decimal

import pytest
from flask import render_template_string
from flask_babel import force_locale, format_decimal, format_percent

VALUES = [0, 1, 7, 999, 1000, 1234, 99_999, 100_000, 1_234_567, -3, -1234, 0.0, 1.0, 0.5, 0.05, 0.005,
          0.0005, 0.00049999, 0.12345, 0.12355, 0.999951, 1 / 3, 2 / 3, 1 / 7, 12.3456, 1234.5678, -0.25,
          Decimal("0.125"), Decimal("1234.5")]
RANDOM = random.Random(18)
VALUES += [RANDOM.randint(0, 50) / RANDOM.randint(1, 200) for _ in range(300)]
VALUES += [RANDOM.randint(0, 10**7) for _ in range(50)]


@pytest.mark.parametrize("language", ["it", "en"])
def test_the_number_filters_print_what_babel_prints(app, language):
    with app.test_request_context(f"/?lang={language}"):
        filters = app.jinja_env.filters
        for _round in range(2):  # the second time from what was remembered
            for value in VALUES:
                assert filters["number"](value) == format_decimal(value)
                assert filters["percent"](value) == format_percent(value)
                assert filters["results_percent"](value) == format_percent(value, "#,##0.0%")
                assert filters["results_decimal"](value) == format_decimal(value, "#,##0.##")
        assert filters["results_percent"](None) == filters["results_decimal"](None) == "–"


def test_one_value_prints_in_each_language_of_the_same_request(app):
    with app.test_request_context("/?lang=it"):
        template = "{{ 1234567|number }} {{ 0.12345|results_percent }} {{ _('Results') }}"
        italian = render_template_string(template)
        with force_locale("en"):
            english = render_template_string(template)
        again = render_template_string(template)
    assert italian == again == "1.234.567 12,3% Risultati"
    assert english == "1,234,567 12.3% Results"
