"""Ranking: the options put in order, each given a different position (a select per option; buttons move
them with JavaScript). Stored as one row per option with its rank. Results: who put each option first, the
mean rank and how many gave it each position."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from civic.surveys.kinds.base import (
    OPTION,
    RANK,
    ExportField,
    Kind,
    check_lines,
    lines,
    options_field,
    small_integer,
)
from civic.surveys.kinds.figures import RANKS, RankResult


class Ranking(Kind):
    name = "ranking"
    label = _l("Ranking (put options in order)")
    has_options = True
    aggregates = frozenset({RANKS})

    # --- the builder ---

    def form_fields(self) -> dict:
        return {"options": options_field()}

    def check(self, form) -> bool:
        return check_lines(form.options, 2, self.max_options, _l("Write at least two options, one per line."))

    def settings_data(self, form) -> dict:
        return {**super().settings_data(form), "options": lines(form.options.data)}

    def load(self, form, question) -> None:
        form.options.data = "\n".join(option.label for option in question.options)

    # --- answering ---

    def help_note(self, question) -> str:
        return _("Give each option a different position: 1 for the first.")

    def first_input_id(self, question) -> str:
        return f"q{question.id}-o{question.options[0].id}"

    def read(self, reading, question) -> str | None:
        raw = {option.id: reading.form.get(f"q{question.id}-o{option.id}", "").strip()
               for option in question.options}
        if not any(raw.values()):
            return _("Put the options in order.") if question.required else None
        count = len(raw)
        ranks = {option_id: small_integer(value) for option_id, value in raw.items()
                 if small_integer(value) is not None}
        if len(ranks) != count or sorted(ranks.values()) != list(range(1, count + 1)):
            return _("Give each option a different position from 1 to %(count)d.", count=count)
        for option_id, rank in ranks.items():
            reading.add(question, option_id=option_id, rank=rank)
        return None

    # --- results and exports ---

    def summarize(self, result, counts) -> None:
        options = result.question.options
        per_option = counts.ranks.get(result.question.id, {})
        positions = range(1, len(options) + 1)
        for option in options:
            by_rank = [per_option.get(option.id, {}).get(rank, 0) for rank in positions]
            total = sum(by_rank)
            weighted = sum(rank * count for rank, count in zip(positions, by_rank, strict=True))
            mean = weighted / total if total else None
            result.ranks.append(RankResult(option.label, mean, by_rank[0] if by_rank else 0, by_rank))
        # Every respondent who ranked puts exactly one option first.
        result.answered = sum(rank.first for rank in result.ranks)

    def export_columns(self, question, number: int):
        option_ids = [option.id for option in question.options]
        title = f"{number}. {question.prompt}"
        fields = [ExportField(f"q{number}_{index}", f"{title} — {option.label}", "integer",
                              _("Question %(number)d (ranking): the position given to “%(option)s” "
                                "(1 = first).", number=number, option=option.label))
                  for index, option in enumerate(question.options, start=1)]

        def cells(rows):
            ranks: dict = {}
            for row in rows:
                ranks.setdefault(row[OPTION], row[RANK])  # the first rank given to an option counts
            return [ranks.get(option_id) for option_id in option_ids]
        return fields, cells
