"""A councillor builds, previews, opens, closes and copies a survey through the real builder pages (forms with
CSRF, no JavaScript); the rules the builder enforces."""
from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from civic.database import db
from civic.surveys import queries
from civic.surveys.models import Question, Response, Survey, SurveyStatus
from tests.conftest import csrf_token, post_form
from tests.consultations.factories import make_consultation
from tests.factories import make_body, make_user
from tests.surveys.factories import good_answers
from tests.surveys.support import answer, counts, stored_answers


@pytest.fixture
def office(in_db):
    """A body with a published consultation, its councillor, and a councillor of another body."""

    def build():
        body = make_body("comune-di-novi-ligure", "Comune di Novi Ligure")
        consultation = make_consultation(body, title="Coworking a Novi Ligure", slug="coworking-novi-ligure")
        make_user(email="consigliere@example.org", councillor_of=body)
        make_user(email="altro@example.org", councillor_of=make_body())
        return SimpleNamespace(consultation_id=consultation.id, body_id=body.id)

    return in_db(build)


def load_survey(survey_id: int) -> Survey:
    """The survey with its whole structure loaded, readable after its app context ends."""
    return db.session.scalar(queries.survey_with_structure(survey_id))


def create_survey(client, consultation_id: int, **fields) -> int:
    data = {"consultation": str(consultation_id), "title": "Il coworking a Novi Ligure",
            "introduction": "Il Comune vuole sapere **che cosa ne pensate**.", "audience": "anyone",
            "anonymous": "y", "results_visibility": "after_close", "opens_at": "", "closes_at": "",
            "thank_you": "Grazie!", **fields}
    response = post_form(client, "/manage/surveys/new", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/manage/surveys/(\d+)", response.headers["Location"]).group(1))


def add(client, survey_id: int, kind: str, section_id: int | None = None, **fields) -> int:
    """Add a question through the builder's picker and question form; returns its id."""
    page = (f"/manage/surveys/{survey_id}/questions/new?kind={kind}"
            + (f"&section={section_id}" if section_id else ""))
    html = client.get(page).get_data(as_text=True)
    section = section_id or re.search(r'<option selected value="(\d+)">', html).group(1)
    data = {"prompt": f"Domanda {kind}", "help_text": "", "section": str(section), "condition_option": "0",
            "condition_negate": "0", **fields}
    response = client.post(page, data={"csrf_token": csrf_token(html), **data})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"#question-(\d+)", response.headers["Location"]).group(1))


def test_a_councillor_builds_every_kind_with_a_condition_opens_it_and_a_citizen_answers(client, auth, office,
                                                                                            in_db):
    auth.login("consigliere@example.org")
    survey_id = create_survey(client, office.consultation_id)
    builder = client.get(f"/manage/surveys/{survey_id}").get_data(as_text=True)
    assert "Il coworking a Novi Ligure" in builder and "Bozza" in builder

    ids = {
        "name": add(client, survey_id, "short_text", prompt="Come ti chiami?", required="y", max_length="40"),
        "role": add(client, survey_id, "single_choice", prompt="Chi sei?", required="y", has_other="y",
                    options="Cittadino\nImprenditore\nProfessionista\nPartita IVA\n"
                            "Associazione di categoria"),
        "needs": add(client, survey_id, "multiple_choice", prompt="Di cosa avresti bisogno?",
                     options="Postazione\nSala riunioni\nWi-Fi", min_choices="1", max_choices="2"),
        "often": add(client, survey_id, "scale", prompt="Quanto spesso lo useresti?", scale_min="1",
                     scale_max="5", min_label="Mai", max_label="Ogni giorno"),
        "days": add(client, survey_id, "number", prompt="Quanti giorni al mese?", number_min="0",
                    number_max="31", integer="y"),
        "start": add(client, survey_id, "date", prompt="Da quando?"),
        "rank": add(client, survey_id, "ranking", prompt="Ordina i vantaggi",
                    options="Costi condivisi\nRete di contatti\nServizi"),
        "grid": add(client, survey_id, "matrix", prompt="Quanto ti preoccupano", options="Poco\nMolto",
                    rows="Costi\nRumore"),
        "help": add(client, survey_id, "single_choice", prompt="Aiuteresti a gestirlo?", options="Sì\nNo"),
    }
    yes = in_db(lambda: next(o.id for o in db.session.get(Question, ids["help"]).options if o.label == "Sì"))
    ids["how"] = add(client, survey_id, "long_text", prompt="Come vorresti aiutare?", required="y",
                     condition_option=str(yes), condition_negate="0")

    survey = in_db(load_survey, survey_id)
    questions = survey.ordered_questions()
    assert [q.kind.value for q in questions] == ["short_text", "single_choice", "multiple_choice", "scale",
                                                 "number", "date", "ranking", "matrix", "single_choice",
                                                 "long_text"]
    role = questions[1]
    assert [o.label for o in role.options] == ["Cittadino", "Imprenditore", "Professionista", "Partita IVA",
                                               "Associazione di categoria"] and role.has_other
    assert questions[2].settings == {"min_choices": 1, "max_choices": 2}
    assert questions[3].settings == {"min": 1, "max": 5, "min_label": "Mai", "max_label": "Ogni giorno"}
    assert questions[4].settings == {"min": 0.0, "max": 31.0, "integer": True}
    assert [r.label for r in questions[7].rows] == ["Costi", "Rumore"]
    assert questions[9].condition_option_id == yes and not questions[9].condition_negate

    # The preview shows it as a citizen sees it and stores nothing.
    preview = client.get(f"/manage/surveys/{survey_id}/preview").get_data(as_text=True)
    assert ("Come vorresti aiutare?" in preview
            and "Rispondi solo se hai scelto «Sì» nella domanda 9." in preview)
    checked = client.post(f"/manage/surveys/{survey_id}/preview",
                          data={"csrf_token": csrf_token(preview), f"q{ids['name']}": ""})
    assert checked.status_code == 422 and in_db(counts) == (0, 0, 0)

    assert client.get(f"/surveys/{survey_id}").status_code == 404  # still a draft
    opened = post_form(client, f"/manage/surveys/{survey_id}", {}, action=f"/manage/surveys/{survey_id}/open",
                       follow_redirects=True)
    assert "Il questionario è aperto." in opened.get_data(as_text=True)

    auth.logout()
    options = {q.id: {o.label: str(o.id) for o in q.options} for q in questions}
    grid_rows = {r.label: r.id for r in questions[7].rows}
    data = {
        f"q{ids['name']}": "Anna", f"q{ids['role']}": options[ids["role"]]["Partita IVA"],
        f"q{ids['needs']}": [options[ids["needs"]]["Wi-Fi"]], f"q{ids['often']}": "5",
        f"q{ids['days']}": "20", f"q{ids['start']}": "14/02/2015",
        **{f"q{ids['rank']}-o{option_id}": str(rank) for rank, option_id in
           enumerate(options[ids["rank"]].values(), start=1)},
        f"q{ids['grid']}-r{grid_rows['Costi']}": options[ids["grid"]]["Molto"],
        f"q{ids['grid']}-r{grid_rows['Rumore']}": options[ids["grid"]]["Poco"],
        f"q{ids['help']}": options[ids["help"]]["Sì"], f"q{ids['how']}": "Il sabato mattina",
    }
    assert answer(client, survey_id, data).status_code == 302
    stored = in_db(stored_answers, survey_id)
    assert (ids["name"], None, None, None, None, "Anna") in stored
    assert (ids["start"], None, None, None, None, "2015-02-14") in stored
    assert (ids["often"], None, None, None, 5.0, None) in stored
    assert (ids["how"], None, None, None, None, "Il sabato mattina") in stored
    assert len(stored) == 13


def test_the_builder_checks_each_kind_and_says_why(client, auth, office, in_db):
    auth.login("consigliere@example.org")
    survey_id = create_survey(client, office.consultation_id)
    page = f"/manage/surveys/{survey_id}/questions/new?kind=multiple_choice"
    html = client.get(page).get_data(as_text=True)
    section = re.search(r'<option selected value="(\d+)">', html).group(1)
    refused = client.post(page, data={"csrf_token": csrf_token(html), "prompt": "", "section": section,
                                      "options": "Uno\nuno", "min_choices": "3", "max_choices": "x",
                                      "condition_option": "0", "condition_negate": "0"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Scrivi la domanda." in text and "Ogni riga deve essere diversa dalle altre." in text
    assert in_db(lambda: db.session.scalars(select(Question)).all()) == []

    named_for_anyone = post_form(client, "/manage/surveys/new", {
        "consultation": str(office.consultation_id), "title": "Nominativo", "audience": "anyone",
        "results_visibility": "after_close", "closes_at": "2015-02-14T09:00", "opens_at": "2015-02-15T09:00"})
    text = named_for_anyone.get_data(as_text=True)
    assert named_for_anyone.status_code == 422
    assert "Le risposte nominative richiedono un account" in text
    assert ("La chiusura deve venire dopo l&#39;apertura." in text
            or "La chiusura deve venire dopo l'apertura." in text)
    garbled = post_form(client, "/manage/surveys/new", {
        "consultation": str(office.consultation_id), "title": "Date", "audience": "anyone", "anonymous": "y",
        "results_visibility": "after_close", "opens_at": "domani mattina"})
    assert garbled.status_code == 422 and "Inserisci data e ora" in garbled.get_data(as_text=True)
    assert in_db(lambda: db.session.scalars(select(Survey.id)).all()) == [survey_id]  # nothing else was made


def test_reorder_duplicate_delete_and_conditions_that_must_point_backwards(client, auth, office, in_db):
    auth.login("consigliere@example.org")
    survey_id = create_survey(client, office.consultation_id)
    first = add(client, survey_id, "single_choice", prompt="Prima", options="Sì\nNo")
    yes = in_db(lambda: db.session.get(Question, first).options[0].id)
    second = add(client, survey_id, "short_text", prompt="Seconda", condition_option=str(yes))
    builder = f"/manage/surveys/{survey_id}"

    # Moving the dependent question above the one it depends on is refused, and nothing moves.
    moved = post_form(client, builder, {"direction": "up"}, action=f"{builder}/questions/{second}/move",
                      follow_redirects=True)
    assert "non verrebbe più prima" in moved.get_data(as_text=True)
    order = lambda: [q.id for q in load_survey(survey_id).ordered_questions()]  # noqa: E731
    assert in_db(order) == [first, second]

    # Deleting a question others depend on is refused; the dependent one can go.
    refused = post_form(client, builder, {}, action=f"{builder}/questions/{first}/delete",
                        follow_redirects=True)
    assert "dipendono da questa domanda: Seconda" in refused.get_data(as_text=True)
    post_form(client, builder, {}, action=f"{builder}/questions/{first}/duplicate")
    assert len(in_db(order)) == 3
    copy_id = in_db(order)[1]
    assert in_db(lambda: db.session.get(Question, copy_id).prompt) == "Prima (copia)"
    post_form(client, builder, {"direction": "down"}, action=f"{builder}/questions/{first}/move")
    assert in_db(order) == [copy_id, first, second]
    post_form(client, builder, {}, action=f"{builder}/questions/{second}/delete")
    post_form(client, builder, {}, action=f"{builder}/questions/{first}/delete")
    assert in_db(order) == [copy_id]

    # Editing options: a line edited in place keeps its id; a removed option used by a condition is refused.
    edit = f"{builder}/questions/{copy_id}"
    html = client.get(edit).get_data(as_text=True)
    assert "Sì\nNo</textarea>" in html
    section = re.search(r'<option selected value="(\d+)">', html).group(1)
    before = in_db(lambda: [o.id for o in db.session.get(Question, copy_id).options])
    saved = client.post(edit, data={"csrf_token": csrf_token(html), "prompt": "Prima", "section": section,
                                    "options": "Sì, certo\nNo\nForse", "condition_option": "0",
                                    "condition_negate": "0"})
    assert saved.status_code == 302
    after = in_db(lambda: [(o.id, o.label) for o in db.session.get(Question, copy_id).options])
    assert ([label for _, label in after] == ["Sì, certo", "No", "Forse"]
            and [i for i, _ in after][:2] == before)


def test_sections_with_a_condition_and_their_order(client, auth, office, in_db):
    auth.login("consigliere@example.org")
    survey_id = create_survey(client, office.consultation_id)
    builder = f"/manage/surveys/{survey_id}"
    gate = add(client, survey_id, "single_choice", prompt="Lavori in proprio?", options="Sì\nNo")
    yes = in_db(lambda: db.session.get(Question, gate).options[0].id)
    created = post_form(client, f"{builder}/sections/new", {
        "title": "Per chi lavora in proprio", "description": "", "condition_option": str(yes),
        "condition_negate": "0"})
    assert created.status_code == 302
    sections = lambda: [(s.title, s.condition_option_id) for s in load_survey(survey_id).ordered_sections()]  # noqa
    assert in_db(sections) == [("", None), ("Per chi lavora in proprio", yes)]
    section_id = in_db(lambda: load_survey(survey_id).ordered_sections()[1].id)
    add(client, survey_id, "short_text", section_id=section_id, prompt="Che lavoro fai?")

    # The conditional section cannot move above the question it depends on.
    refused = post_form(client, builder, {"direction": "up"}, action=f"{builder}/sections/{section_id}/move",
                        follow_redirects=True)
    assert "sezione precedente" in refused.get_data(as_text=True)
    # A section with questions cannot be deleted; the preview shows its note.
    post_form(client, builder, {}, action=f"{builder}/sections/{section_id}/delete")
    assert len(in_db(sections)) == 2
    preview = client.get(f"{builder}/preview").get_data(as_text=True)
    assert "Rispondi a questa sezione solo se hai scelto «Sì» nella domanda 1." in preview


def test_a_survey_with_responses_is_locked_but_can_close_reopen_and_be_copied(client, auth, novi, in_db):
    assert answer(client, novi.id, good_answers(novi.q)).status_code == 302
    auth.login(novi.councillor)
    builder = f"/manage/surveys/{novi.id}"
    page = client.get(builder).get_data(as_text=True)
    assert "quindi domande, opzioni e sezioni sono bloccate" in page
    assert f"{builder}/questions/{novi.q['name'].id}/delete" not in page

    # Every structural change is refused on the server, whatever the page showed.
    question = novi.q["name"].id
    edit = client.get(f"{builder}/questions/{question}", follow_redirects=True).get_data(as_text=True)
    assert "le sue domande non possono più cambiare" in edit
    token = csrf_token(page)
    for action, data in ((f"{builder}/questions/{question}", {"prompt": "Cambiata", "section": "1"}),
                         (f"{builder}/questions/{question}/delete", {}),
                         (f"{builder}/questions/{question}/duplicate", {}),
                         (f"{builder}/questions/{question}/move", {"direction": "down"}),
                         (f"{builder}/sections/new", {"title": "Nuova"})):
        response = client.post(action, data={"csrf_token": token, **data}, follow_redirects=True)
        assert "non possono più cambiare" in response.get_data(as_text=True), action
    structure = lambda: [(q.id, q.prompt, q.position, [o.label for o in q.options])  # noqa: E731
                         for q in load_survey(novi.id).ordered_questions()]
    assert in_db(structure)[0] == (question, "Come ti chiami?", 1, [])
    assert len(in_db(structure)) == 10

    # Anonymity cannot change after people answered under it; other settings can.
    settings = client.get(f"{builder}/settings").get_data(as_text=True)
    assert 'value="Il coworking a Novi Ligure"' in settings
    refused = client.post(f"{builder}/settings", data={
        "csrf_token": csrf_token(settings), "title": "Nuovo titolo", "audience": "registered",
        "results_visibility": "while_open"})
    assert refused.status_code == 422 and "non può cambiare" in refused.get_data(as_text=True)

    closed = post_form(client, builder, {}, action=f"{builder}/close", follow_redirects=True)
    assert "Il questionario è chiuso." in closed.get_data(as_text=True)
    reopened = post_form(client, builder, {}, action=f"{builder}/open", follow_redirects=True)
    assert "Il questionario è aperto." in reopened.get_data(as_text=True)
    assert post_form(client, builder, {}, action=f"{builder}/delete",
                     follow_redirects=True).status_code == 200
    assert in_db(lambda: db.session.get(Survey, novi.id) is not None)

    copied = post_form(client, builder, {}, action=f"{builder}/copy")
    copy_id = int(re.search(r"/manage/surveys/(\d+)", copied.headers["Location"]).group(1))
    copy = in_db(load_survey, copy_id)
    assert copy.status == SurveyStatus.DRAFT and copy.version == 2 and copy.copied_from_id == novi.id
    assert [q.prompt for q in copy.ordered_questions()] == [p for _, p, _, _ in in_db(structure)]
    # The copy's condition points at the copy's own option, not the original's.
    copied_help, copied_comments = copy.ordered_questions()[8], copy.ordered_questions()[9]
    assert copied_comments.condition_option_id == copied_help.options[0].id != novi.q["help"].options["Sì"]

    # The copy can be edited.
    copy_builder = f"/manage/surveys/{copy_id}"
    html = client.get(f"{copy_builder}/questions/{copy.ordered_questions()[0].id}").get_data(as_text=True)
    saved = client.post(f"{copy_builder}/questions/{copy.ordered_questions()[0].id}", data={
        "csrf_token": csrf_token(html), "prompt": "Il tuo nome",
        "section": str(copy.ordered_sections()[0].id),
        "max_length": "40", "condition_option": "0", "condition_negate": "0"})
    assert saved.status_code == 302
    assert in_db(lambda: load_survey(copy_id).ordered_questions()[0].prompt) == "Il tuo nome"
    assert in_db(structure)[0][1] == "Come ti chiami?"


def test_councillors_of_another_body_and_citizens_are_refused(client, auth, novi, in_db):
    make = lambda: make_user(email="altro@example.org", councillor_of=make_body()).id  # noqa: E731
    in_db(make)
    auth.login("altro@example.org")
    assert client.get(f"/manage/surveys/{novi.id}").status_code == 403
    assert client.get(f"/manage/surveys/{novi.id}/preview").status_code == 403
    assert novi.id not in [int(i) for i in re.findall(r"/manage/surveys/(\d+)",
                                                       client.get("/manage/surveys/").get_data(as_text=True))]
    token = csrf_token(client.get("/manage/surveys/").get_data(as_text=True))
    assert client.post(f"/manage/surveys/{novi.id}/close", data={"csrf_token": token}).status_code == 403
    auth.logout()
    auth.login(novi.citizen)
    assert client.get(f"/manage/surveys/{novi.id}").status_code == 403
    assert in_db(lambda: db.session.get(Survey, novi.id).status) == SurveyStatus.OPEN


def test_a_paper_response_goes_through_the_same_checks_and_records_its_channel(client, auth, novi, in_db):
    auth.login(novi.councillor)
    page = f"/manage/surveys/{novi.id}/responses/new"
    bad = post_form(client, page, {**good_answers(novi.q), f"q{novi.q['days'].id}": "99"})
    assert (bad.status_code == 422
            and "Indica dove è stata raccolta la risposta." in bad.get_data(as_text=True))
    assert "Inserisci un numero da 0 a 31." in bad.get_data(as_text=True)
    assert in_db(counts) == (0, 0, 0)
    for channel in ("paper", "meeting"):
        done = post_form(client, page, {**good_answers(novi.q), "channel": channel}, follow_redirects=True)
        assert "Risposta registrata" in done.get_data(as_text=True)
    rows = in_db(lambda: db.session.scalars(select(Response.channel)).all())
    assert sorted(c.value for c in rows) == ["meeting", "paper"]
    assert in_db(counts)[2] == 0  # a councillor typing in paper forms is not a participant


def test_lifecycle_guards_and_italian_times(client, auth, office, in_db):
    auth.login("consigliere@example.org")
    survey_id = create_survey(client, office.consultation_id, opens_at="2015-02-14T09:00",
                              closes_at="2015-03-14T18:30")
    survey = in_db(load_survey, survey_id)
    # Typed as Italian wall-clock time, stored in UTC (CET is UTC+1 in February and March).
    assert survey.opens_at.isoformat() == "2015-02-14T08:00:00+00:00"
    assert survey.closes_at.isoformat() == "2015-03-14T17:30:00+00:00"
    assert 'value="2015-02-14T09:00"' in client.get(
        f"/manage/surveys/{survey_id}/settings").get_data(as_text=True)

    builder = f"/manage/surveys/{survey_id}"
    empty = post_form(client, builder, {}, action=f"{builder}/open", follow_redirects=True)
    assert "Aggiungi almeno una domanda" in empty.get_data(as_text=True)
    add(client, survey_id, "short_text", prompt="Quartiere")
    past = post_form(client, builder, {}, action=f"{builder}/open", follow_redirects=True)
    assert "La data di chiusura è già passata" in past.get_data(as_text=True)
    assert in_db(lambda: db.session.get(Survey, survey_id).status) == SurveyStatus.DRAFT
    not_open = post_form(client, builder, {}, action=f"{builder}/close", follow_redirects=True)
    assert "Si può chiudere solo un questionario aperto." in not_open.get_data(as_text=True)

    deleted = post_form(client, builder, {}, action=f"{builder}/delete", follow_redirects=True)
    assert "La bozza del questionario è stata eliminata." in deleted.get_data(as_text=True)
    assert in_db(lambda: db.session.get(Survey, survey_id)) is None
    assert in_db(lambda: db.session.scalars(select(Question)).all()) == []
