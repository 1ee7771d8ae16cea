"""Every bad answer gets a clear message beside its question, the form keeps what was typed, nothing is
stored, and no input makes a 500."""
from __future__ import annotations

import re

from civic.extensions import limiter
from tests.surveys.factories import good_answers
from tests.surveys.support import answer, counts, stored_answers


def _q(novi, key):
    return novi.q[key]


CASES = {
    # name: (question key, change to the good answers, message shown)
    "option of another question": ("role", lambda q: {f"q{q['role'].id}": q["needs"].option("Wi-Fi")},
                                   "Scegli una delle opzioni proposte."),
    "not an option at all": ("role", lambda q: {f"q{q['role'].id}": "1 OR 1=1"},
                             "Scegli una delle opzioni proposte."),
    "two choices on a single choice": ("role", lambda q: {f"q{q['role'].id}": [q["role"].option("Cittadino"),
                                                                               q["role"].option("Imprenditore")]},
                                       "Scegli una sola opzione."),
    "too many choices": (
        "needs", lambda q: {f"q{q['needs'].id}": [str(v) for v in q["needs"].options.values()]},
        "Scegli al massimo 3 opzioni."),
    "too few choices": ("needs", lambda q: {f"q{q['needs'].id}": [q["needs"].option("Wi-Fi")]},
                        "Scegli almeno 2 opzioni."),
    "other ticked without text": ("role", lambda q: {f"q{q['role'].id}": "other"},
                                  "Scrivi la tua risposta accanto ad «Altro»."),
    "other text without ticking it": ("role", lambda q: {f"q{q['role'].id}-other": "Pensionato"},
                                      "senza sceglierlo"),
    "text over the limit": ("name", lambda q: {f"q{q['name'].id}": "G" * 41},
                            "Scrivi al massimo 40 caratteri (ne hai scritti 41)."),
    "required text missing": ("name", lambda q: {f"q{q['name'].id}": "   "}, "Rispondi a questa domanda."),
    "number out of range": ("days", lambda q: {f"q{q['days'].id}": "40"}, "Inserisci un numero da 0 a 31."),
    "not a number": ("days", lambda q: {f"q{q['days'].id}": "dodici"}, "Inserisci un numero, per esempio 12"),
    "not a whole number": ("days", lambda q: {f"q{q['days'].id}": "3,5"}, "Inserisci un numero intero"),
    "nan is not a number": ("days", lambda q: {f"q{q['days'].id}": "nan"},
                            "Inserisci un numero, per esempio 12"),
    "bad date": ("start", lambda q: {f"q{q['start'].id}": "2015-02-30"}, "Inserisci una data valida"),
    "date in words": ("start", lambda q: {f"q{q['start'].id}": "domani"}, "Inserisci una data valida"),
    "scale value out of range": ("interest", lambda q: {f"q{q['interest'].id}": "9"},
                                 "Scegli un valore da 1 a 5."),
    "two scale values": ("interest", lambda q: {f"q{q['interest'].id}": ["2", "3"]},
                         "Scegli un solo valore."),
    "matrix row missing": ("rating", lambda q: {f"q{q['rating'].id}-r{q['rating'].rows[1]}": ""},
                           "Rispondi a ogni riga (mancano: Servizi)."),
    "matrix column of another question": (
        "rating", lambda q: {f"q{q['rating'].id}-r{q['rating'].rows[0]}": q["role"].option("Cittadino")},
        "Scegli una delle opzioni proposte."),
    "ranking with a repeated position": (
        "priorities",
        lambda q: {f"q{q['priorities'].id}-o{o}": "1" for o in q["priorities"].options.values()},
        "Dai a ogni opzione una posizione diversa, da 1 a 3."),
    "ranking with a missing position": (
        "priorities", lambda q: {f"q{q['priorities'].id}-o{q['priorities'].options['Orari']}": ""},
        "Dai a ogni opzione una posizione diversa, da 1 a 3."),
    "ranking position out of range": (
        "priorities", lambda q: {f"q{q['priorities'].id}-o{q['priorities'].options['Orari']}": "4"},
        "Dai a ogni opzione una posizione diversa, da 1 a 3."),
}


def test_every_bad_answer_gets_a_message_beside_its_field_and_stores_nothing(client, novi, in_db, subtests):
    # One survey for every case (each case is a full page round trip), reported case by case.
    for case, (key, change, message) in CASES.items():
        with subtests.test(case):
            limiter.reset()  # the anonymous answer limit is tested on its own
            question = novi.q[key]
            response = answer(client, novi.id, {**good_answers(novi.q), **change(novi.q)})
            html = response.get_data(as_text=True)
            assert response.status_code == 422
            error = re.search(rf'<p [^>]*id="q{question.id}-error"[^>]*>(.*?)</p>', html, re.S)
            assert error and message in error.group(1)
            # The question's group points at its message; the summary at the top links to the question.
            assert re.search(rf'id="question-{question.id}" '
                             rf'aria-describedby="[^"]*q{question.id}-error', html)
            assert re.search(rf'<a href="#q{question.id}(-[^"]*)?">Domanda \d+</a>: ', html)
            assert "<title>Errore: " in html
            assert html.count('class="invalid-feedback') == 1  # only the bad question is marked
            assert 'value="Giulia"' in html or key == "name"  # what was typed stays in the form
            assert in_db(counts) == (0, 0, 0)


def test_control_characters_are_dropped_and_nul_is_refused(client, novi, in_db):
    data = good_answers(novi.q)
    data[f"q{novi.q['name'].id}"] = "Giu\x00lia"
    assert answer(client, novi.id, data).status_code == 400  # refused for every page, before any view
    assert in_db(counts)[0] == 0
    data[f"q{novi.q['name'].id}"] = "Giu\x07lia\x1b"
    assert answer(client, novi.id, data).status_code == 302
    assert (novi.q["name"].id, None, None, None, None, "Giulia") in in_db(stored_answers, novi.id)


GARBAGE = [
    ("q", "x"), ("q0", "1"), ("q999999", "1"), ("{name}-r999", "1"), ("qabc-oxyz", "9"),
    ("{name}", "🏠\u202e"), ("{interest}", "1" * 5000), ("{interest}", "²"), ("{role}", "9" * 40),
    ("{role}", "²"), ("{priorities}-o{first}", "9" * 50), ("{days}", "1e309"), ("{days}", "-0"),
    ("{start}", "0000-00-00"), ("{start}", "99999-01-01"), ("{rating}-r{row}", "-1"),
]


def test_garbage_never_breaks_the_page(client, novi, in_db, subtests):
    q = novi.q
    names = {"name": f"q{q['name'].id}", "interest": f"q{q['interest'].id}", "role": f"q{q['role'].id}",
             "priorities": f"q{q['priorities'].id}", "first": q["priorities"].options["Prezzo"],
             "days": f"q{q['days'].id}", "start": f"q{q['start'].id}", "rating": f"q{q['rating'].id}",
             "row": q["rating"].rows[0]}
    stored = 0
    for field, value in GARBAGE:
        with subtests.test(f"{field}={value[:20]}"):
            limiter.reset()
            browser = client.application.test_client()  # a new participant each time
            response = answer(browser, novi.id, {**good_answers(q), field.format(**names): value})
            assert response.status_code in (302, 422)
            stored += response.status_code == 302
            assert in_db(counts)[0] == stored


def test_answers_without_an_account_are_rate_limited_per_address(client, auth, novi, in_db):
    client.application.config["CIVIC_LIMIT_SURVEY_ANSWER"] = "3 per minute"
    statuses = [answer(client.application.test_client(), novi.id, {}).status_code for _ in range(4)]
    assert statuses == [422, 422, 422, 429]
    # The limiter keys by a keyed hash of the address: its storage never holds the IP itself.
    keys = " ".join([*limiter.storage.storage, *limiter.storage.events])
    assert "surveys.submit_survey" in keys and "127.0.0.1" not in keys
    auth.login(novi.citizen)  # people with an account are counted by the ledger, not by address
    assert answer(client, novi.id, good_answers(novi.q)).status_code == 302
    assert in_db(counts)[0] == 1
