"""Breakdowns: the counts equal those computed from the answers; in public a cell of 3 respondents is never
shown and cannot be worked out from what the page and the results page print."""
from __future__ import annotations

import itertools
import random

from civic.core import disclosure
from civic.database import db
from civic.surveys.models import Answer, Channel, Response
from tests.core_disclosure import test_disclosure as reader
from tests.factories import PASSWORD, make_body, make_user
from tests.results import expected as x
from tests.results import factories as f
from tests.results.html_tables import tables

T = 5


def _breakdown(client, g, row, col, **args):
    response = client.get(f"/surveys/{g.survey_id}/results/breakdown",
                          query_string={"lang": "en", "row": g.qids[row], "col": g.qids[col], **args})
    return response.status_code, response.get_data(as_text=True)


def _cell(text: str):
    """A printed cell: its value, "small" for "< 5", or None when hidden."""
    if text.startswith("<"):
        return "small"
    if text == "–":
        return None
    return int(text.replace(",", ""))


def _respond(g, count, who, help_answer):
    """`count` responses with exactly these two answers (to place a known small cell)."""
    ids = db.session.connection().execute(
        Response.__table__.insert().returning(Response.__table__.c.id, sort_by_parameter_order=True),
        [{"survey_id": g.survey_id, "channel": Channel.WEB.value, "submitted_at": f.START}] * count
    ).scalars().all()
    db.session.execute(Answer.__table__.insert(), [
        row for rid in ids for row in (
            {"response_id": rid, "question_id": g.qids["who"], "option_id": g.option_ids["who"][who]},
            {"response_id": rid, "question_id": g.qids["help"],
             "option_id": g.option_ids["help"][help_answer]})])
    db.session.commit()
    g.answers.extend({"who": who, "help": help_answer} for _ in range(count))


def _possible_values(shown, row_totals, column_totals, target):
    """Every value the target cell can take in a table of non-negative integers that agrees with everything a
    reader knows: the cells and totals printed, 1..4 for "< 5" and, from the results page, every total. Solved
    by the independent reader of the disclosure tests."""
    cells = {(i, j): 0 for i, row in enumerate(shown) for j in range(len(row))}
    cells.update({(i, None): total for i, total in enumerate(row_totals)})
    cells.update({(None, j): total for j, total in enumerate(column_totals)})
    cells[(None, None)] = sum(row_totals)
    for i, row in enumerate(shown):
        for j, value in enumerate(row):
            if isinstance(value, int):
                cells[(i, j)] = value
    small = frozenset((i, j) for i, row in enumerate(shown) for j, v in enumerate(row) if v == "small")
    hidden = frozenset((i, j) for i, row in enumerate(shown) for j, v in enumerate(row) if v is None)
    suppression = disclosure.Suppression(T, small, hidden)
    return reader.possible_values(cells, reader._table_equations(len(shown), len(shown[0])), suppression,
                                  target)


def test_a_cell_of_three_is_never_shown_nor_recoverable(app, client, auth):
    with app.app_context():
        body = make_body()
        make_user(email="councillor@example.org", councillor_of=body)
        consultation = f.make_consultation(body=body)
        g = f.make_structure(consultation=consultation)
        # A table with one cell of exactly 3 and every other cell large.
        for who, help_answer in itertools.product(f.WHO, f.YES_NO):
            _respond(g, 3 if (who, help_answer) == ("Associazione", "Sì") else 20, who, help_answer)
    status, html = _breakdown(client, g, "who", "help")
    assert status == 200
    (table,) = [t for t in tables(html) if t.id == "breakdown"]
    labels = [row[0] for row in table.rows[1:-1]]
    assert labels == f.WHO + ["Other"]  # "other, please specify" is a category of its own (none here)
    shown = [[_cell(c) for c in row[1:-1]] for row in table.rows[1:-1]]
    row_totals = [int(row[-1]) for row in table.rows[1:-1]]
    column_totals = [int(c) for c in table.rows[-1][1:-1]]
    target = (f.WHO.index("Associazione"), f.YES_NO.index("Sì"))
    assert shown[target[0]][target[1]] == "small"
    assert "3" not in [row[target[1] + 1] for row in table.rows[1:]][target[0]]
    # Totals are all printed (and equal the results page's option counts, which a reader also knows).
    assert row_totals == [40, 40, 40, 40, 23, 0] and column_totals == [83, 100]
    assert len(_possible_values(shown, row_totals, column_totals, target)) >= 2

    # The councillors of the body see the exact table.
    auth.login("councillor@example.org", PASSWORD)
    _status, html = _breakdown(client, g, "who", "help")
    (table,) = [t for t in tables(html) if t.id == "breakdown"]
    assert table.rows[1 + target[0]][1 + target[1]] == "3"
    # ... and may check what the public sees.
    _status, html = _breakdown(client, g, "who", "help", view="public")
    (table,) = [t for t in tables(html) if t.id == "breakdown"]
    assert table.rows[1 + target[0]][1 + target[1]].startswith("<")


def test_public_breakdowns_of_a_generated_survey_never_show_a_small_count(app, client):
    with app.app_context():
        g = f.make_generated(300, seed=21)
    for row, col in (("who", "help"), ("who", "needs"), ("needs", "who"), ("needs", "needs"),
                     ("help", "why_not")):
        if row == col:
            continue
        status, html = _breakdown(client, g, row, col)
        assert status == 200
        found = [t for t in tables(html) if t.id == "breakdown"]
        if not found:
            assert "Too few respondents" in html
            continue
        for cells in found[0].rows[1:]:
            for text in cells[1:]:
                value = _cell(text)
                assert not (isinstance(value, int) and 0 < value < T), (row, col, cells)


def test_the_exact_counts_match_the_answers(client, councillor_survey):
    g = councillor_survey
    _status, html = _breakdown(client, g, "who", "help")
    (table,) = [t for t in tables(html) if t.id == "breakdown"]
    want = x.crossed(g.answers, "who", "help")
    for i, who in enumerate(f.WHO):
        assert [int(c) for c in table.rows[1 + i][1:-1]] == [want[(who, h)] for h in f.YES_NO]
    # A multiple-choice column counts a respondent under every option chosen.
    _status, html = _breakdown(client, g, "help", "needs")
    (table,) = [t for t in tables(html) if t.id == "breakdown"]
    for i, answer in enumerate(f.YES_NO):
        expected = [sum(1 for a in g.answers if a.get("help") == answer and label in a.get("needs", []))
                    for label in f.NEEDS]
        assert [int(c) for c in table.rows[1 + i][1:len(f.NEEDS) + 1]] == expected


def test_bad_choices_get_a_message_not_an_error(app, client):
    with app.app_context():
        g = f.make_generated(5)
    for args in ({"row": "abc", "col": g.qids["help"]}, {"row": g.qids["help"], "col": g.qids["help"]},
                 {"row": g.qids["comment"], "col": g.qids["help"]}, {"row": 10 ** 12, "col": g.qids["who"]}):
        response = client.get(f"/surveys/{g.survey_id}/results/breakdown",
                              query_string={"lang": "en", **args})
        assert response.status_code == 422, args
        assert "Please correct the fields marked below" in response.get_data(as_text=True)
    assert client.get(f"/surveys/{g.survey_id}/results/breakdown").status_code == 200


def test_random_tables_keep_small_cells_safe(app):
    """The policy itself, on many random small tables: every "< 5" cell has at least two possible values."""
    rng = random.Random(4)
    with app.app_context():
        for _ in range(60):
            counts = [[rng.choice([0, 1, 2, 3, 6, 9, 15]) for _c in range(3)] for _r in range(3)]
            suppression = disclosure.suppress_table(counts, total_shown=True)
            shown = disclosure.show_table(counts, suppression)
            if any(c.hidden for c in shown.row_totals + shown.column_totals):
                continue  # the page withholds such a table
            cells = [["small" if c.state == "small" else (c.value if c.state == "shown" else None)
                      for c in row]
                     for row in shown.rows]
            for i, j in itertools.product(range(3), range(3)):
                if cells[i][j] == "small":
                    assert len(_possible_values(cells, [sum(r) for r in counts],
                                                [sum(r[k] for r in counts) for k in range(3)], (i, j))) >= 2
