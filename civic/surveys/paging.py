"""One section per page: which section a respondent sees next, its place in the survey, and the answers of the
other sections carried along in the form.

The answers of earlier (and, after "back", later) sections travel with every page as hidden fields, so the
server keeps nothing between pages for people without an account and nothing ties a page to a person. Each
"next" checks the sections seen so far (civic.surveys.validation.read_through); the final submit reads the
whole form once, exactly as a one-page submission, and stores it once."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict

from civic.surveys import validation
from civic.surveys.models import Survey, SurveySection

# Input names (civic.surveys.validation): q<id>, q<id>-other, q<id>-r<id>, q<id>-o<id>.
FIELD_NAME = re.compile(r"^q(\d{1,12})(?:-(?:other|[ro]\d{1,12}))?$")
NEXT, BACK, SAVE = "next", "back", "save"


@dataclass
class Page:
    """The section shown, its number among the pages, and whether it is the last one."""

    section: SurveySection
    number: int
    total: int
    last: bool
    errors: dict[int, str] = field(default_factory=dict)

    @property
    def first(self) -> bool:
        return self.number == 1


def pages(survey: Survey) -> list[SurveySection]:
    """The sections that make a page: those with questions, in order."""
    return [section for section in survey.ordered_sections() if section.questions]


def _page(sections: list[SurveySection], section: SurveySection, last: bool,
          errors: dict[int, str] | None = None) -> Page:
    return Page(section, sections.index(section) + 1, len(sections), last, errors or {})


def _could_follow(survey: Survey, reader, sections: list[SurveySection], target: SurveySection,
                  read_position: int) -> bool:
    """Whether a section after `target` may still be shown: it has no condition, one of its conditions depends
    on a question not answered yet, or its conditions already hold."""
    position_of = {q.id: q.section.position for q in survey.ordered_questions()}
    for section in sections:
        if section.position <= target.position:
            continue
        sources = [reader.question_of_option.get(option_id) for option_id, _negate in section.conditions()]
        if not sources or any(source is None or position_of[source] > read_position for source in sources):
            return True
        if reader.shown(section):
            return True
    return False


def first_page(survey: Survey) -> Page:
    """The first page (the first section never has a condition: a condition looks at earlier sections)."""
    sections = pages(survey)
    return _page(sections, sections[0], last=len(sections) == 1)


def page_for(survey: Survey, section_id: int | None) -> Page:
    """The page of this section (a saved draft's), or the first page when it is gone."""
    sections = pages(survey)
    section = next((s for s in sections if s.id == section_id), sections[0])
    return _page(sections, section, last=section is sections[-1])


def page_of(survey: Survey, form: MultiDict, errors: dict[int, str]) -> Page:
    """After a failed final submit: the page of the first question with an error, with that page's errors."""
    sections = pages(survey)
    first = next(q for q in survey.ordered_questions() if q.id in errors)
    section = first.section
    own = {q.id for q in section.questions}
    later = any(s.position > section.position for s in sections)
    return _page(sections, section, last=not later, errors={k: v for k, v in errors.items() if k in own})


def step(survey: Survey, form: MultiDict, current_id: int | None, move: str) -> Page:
    """The page to show after "next" or "back" from the section `current_id` with these answers. "Back" checks
    nothing; "next" checks the sections seen so far and stays on (or returns to) the first with a problem."""
    sections = pages(survey)
    current = next((s for s in sections if s.id == current_id), sections[0])
    submission, reader = validation.read_through(survey, form, current.position)
    if move == BACK:
        earlier = [s for s in sections if s.position < current.position and s.id in submission.sections]
        target = earlier[-1] if earlier else sections[0]
        return _page(sections, target, last=False)
    if submission.errors:
        return page_of(survey, form, submission.errors)
    following = next((s for s in sections if s.position > current.position and reader.shown(s)), None)
    if following is None:
        return _page(sections, current, last=True)
    return _page(sections, following,
                 last=not _could_follow(survey, reader, sections, following, current.position))


def fields(form: MultiDict, leave_out: frozenset[int] = frozenset()) -> list[tuple[str, str]]:
    """The questionnaire's fields sent (name, value), but those of the questions `leave_out`."""
    pairs = []
    for name in form:
        match = FIELD_NAME.match(name)
        if match and int(match.group(1)) not in leave_out:
            pairs += [(name, value) for value in form.getlist(name) if value.strip()]
    return pairs


def carried(form: MultiDict, page: Page) -> list[tuple[str, str]]:
    """The answers to carry as hidden fields: every questionnaire field sent that is not on this page."""
    return fields(form, frozenset(q.id for q in page.section.questions))
