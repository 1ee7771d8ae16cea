"""Surveys: questionnaires built by councillors, answered once per person, anonymous or named."""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l

from civic.core.features import Feature, Feed, Link, NotificationKind, PersonalRecords, Section, Waiting
from civic.database import db, utcnow
from civic.surveys import api, demo, invitations, personal_data, queries, sections, services
from civic.surveys.views import bp

CLOSING_SOON = dt.timedelta(days=7)


def _closed_results() -> str | None:
    announced = services.announce_closed_results()
    db.session.commit()
    return f"announced the results of {announced} surveys closed by their closing time" if announced else None


feature = Feature(
    name="surveys",
    blueprint=bp,
    menu=[Link("surveys.list_surveys", _l("Surveys"))],
    manage=[Link("surveys.manage_surveys", _l("Surveys"),
                 _l("Build questionnaires, preview, open and close them, enter responses collected on "
                    "paper."))],
    home=Section("surveys", "surveys/_home.html", sections.home),
    # An answer (web or paper, held or released) announces the survey it changes (civic.core.pagecache).
    keyed_tables=frozenset({"survey_responses", "survey_answers", "survey_participations",
                            "survey_held_responses"}),
    private_tables=frozenset({"survey_drafts"}),  # saved answers are no public page's
    consultation=Section("surveys", "surveys/_consultation_section.html", sections.consultation_surveys),
    waiting=[Waiting("closing_surveys", _l("Surveys closing within a week"), "surveys.manage_surveys",
                     lambda body_ids: queries.closing_soon_count(body_ids, utcnow(), CLOSING_SOON))],
    participants=queries.named_respondents,
    personal_data=[
        PersonalRecords(
            "survey_participations", _l("Survey participation"),
            _l("The surveys you took part in. For anonymous surveys this is all: your answers are not linked "
               "to you, so nobody, Civic included, can tell which answers are yours."),
            personal_data.participations_count, personal_data.participations,
            _l("The record that you took part in surveys stays, without your account and without a date, "
               "only as a keyed hash of your SPID/CIE identity or of your e-mail address: so that one person "
               "answers each survey once, also after signing up again. Nothing can be read back from it.")),
        PersonalRecords(
            "named_survey_responses", _l("Answers to named surveys"),
            _l("For surveys that asked who you are: each question and your answer."),
            personal_data.named_responses_count, personal_data.named_responses,
            _l("Your answers to named surveys stay in the results without your name, like anonymous answers: "
               "results already published and the decisions based on them do not change, and nothing links "
               "those answers to you any more. Answers to anonymous surveys were never linked to you.")),
        PersonalRecords(
            "survey_drafts", _l("Saved survey answers"),
            _l("Answers you saved to finish a survey later, with the section you were on, until you send "
               "the survey (then they are deleted)."),
            personal_data.drafts_count, personal_data.drafts,
            _l("Your saved answers are deleted.")),
        PersonalRecords(
            "survey_invitations", _l("Survey invitations"),
            _l("The invitations to answer a survey sent to your e-mail address: when, how many reminders "
               "followed and whether the invitation was used (never which answers are yours)."),
            personal_data.invitations_count, personal_data.invitations_received,
            _l("Invitations you have not used are deleted. Used ones lose your address and stay only as a "
               "number, so that the survey still counts how many invited people answered.")),
    ],
    feeds=[Feed("surveys_api.surveys", _l("Surveys"), "JSON",
                _l("Every public survey with its questions, dates and when its results are public."),
                per_body=lambda body: {"body": body.slug}, keywords=("questionari",))],
    on_account_deletion=lambda user, _now: services.forget_accounts(user),
    api=api.part,
    notification_kinds=[
        NotificationKind("survey.opened", "consultation", _l("A survey opens in a consultation I follow"),
                         _l("A new survey in %(title)s")),
        NotificationKind("survey.results", "consultation",
                         _l("The results of a survey in a consultation I follow are published"),
                         _l("Survey results published in %(title)s")),
    ],
    demo=demo.load,
    periodic=[_closed_results],
    commands=[invitations.commands],
)
