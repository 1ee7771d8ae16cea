"""Invitations to a closed list: the councillor's page, the personal single-use links sent through the
outbox, answering with one (and only once), reminders, and that nothing pairs an invitation with a
response."""
from __future__ import annotations

from sqlalchemy import func, inspect, select

from civic.database import db
from civic.outbox.models import OutboxMessage
from civic.surveys import invitations
from civic.surveys.models import Participation, SurveyInvitation
from tests.conftest import AuthActions, csrf_token, post_form
from tests.support.mail import deliver, last_link, links_in, open_link, queued


def _invite(client, auth, survey_id: int, text: str):
    auth.login("consigliere@example.org")
    return post_form(client, f"/manage/surveys/{survey_id}/invitations", {"addresses": text})


def _invitations(survey_id: int) -> list[tuple]:
    return [tuple(row) for row in db.session.execute(
        select(SurveyInvitation.email, SurveyInvitation.used, SurveyInvitation.reminders)
        .where(SurveyInvitation.survey_id == survey_id).order_by(SurveyInvitation.email))]


def _answer(client, survey, data=None):
    page = client.get(f"/surveys/{survey.id}")
    return client.post(f"/surveys/{survey.id}", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), **(data or {survey.field: survey.yes})})


def test_reading_pasted_addresses_skips_blanks_and_repeats_and_names_bad_lines():
    addresses, bad = invitations.read_addresses(
        " Anna@Example.org \n\nbruno@example.org\nanna@example.org\nnot an address\ncarla@@example.org\n")
    assert addresses == ["anna@example.org", "bruno@example.org"]
    assert bad == [(5, "not an address"), (6, "carla@@example.org")]


def test_a_bad_line_refuses_the_whole_list_with_a_clear_message(app, client, auth, closed_list, in_db):
    response = _invite(client, auth, closed_list.id, "anna@example.org\nnon è un indirizzo\n")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "non sono indirizzi e-mail validi" in html and "2: non è un indirizzo" in html
    assert in_db(_invitations, closed_list.id) == [] and queued(app) == []


def test_invitations_go_out_through_the_outbox_with_a_personal_link(app, client, auth, closed_list, in_db,
                                                                      mail_server):
    response = _invite(client, auth, closed_list.id,
                       "anna@example.org\nBRUNO@example.org\nanna@example.org\n")
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "Inviti inviati: 2" in page and "Inviti inviati: 2. Hanno risposto: 0." in page
    # Pasting again skips who is already invited: one more invitation, one more e-mail.
    _invite(client, auth, closed_list.id, "bruno@example.org\ncarla@example.org")
    assert [row[0] for row in in_db(_invitations, closed_list.id)] == [
        "anna@example.org", "bruno@example.org", "carla@example.org"]
    assert deliver(app)["sent"] == 3
    [mail] = mail_server.messages_to("anna@example.org")
    text = mail_server.text_of(mail)
    assert "Il consiglio dei ragazzi" in text
    [link] = [link for link in links_in(text) if "/invitation/" in link]
    token = link.rsplit("/", 1)[-1]
    # Only a keyed hash of the token is stored.
    stored = in_db(lambda: list(db.session.scalars(select(SurveyInvitation.token_hash))))
    assert token not in stored
    assert in_db(
        lambda: invitations.token_hash(closed_list.id, token)) in stored


def test_the_invitee_answers_once_with_the_link_and_nobody_without_one(app, client, auth, closed_list, in_db):
    _invite(client, auth, closed_list.id, "anna@example.org")
    auth.logout()
    # Without an invitation the page says who may answer and shows no form.
    page = client.get(f"/surveys/{closed_list.id}").get_data(as_text=True)
    assert "Possono partecipare solo le persone invitate" in page and 'name="q' not in page
    link = last_link(app, "anna@example.org", "/invitation/")
    clean = open_link(client, link)
    assert clean == f"/surveys/{closed_list.id}"
    page = client.get(clean).get_data(as_text=True)
    assert f'name="{closed_list.field}"' in page
    assert _answer(client, closed_list).status_code == 302
    assert in_db(_invitations, closed_list.id) == [("anna@example.org", True, 0)]
    assert in_db(lambda: db.session.scalar(select(func.count()).select_from(Participation))) == 1

    # The same link in another browser: refused, with the reason, and nothing stored.
    other = app.test_client()
    open_link(other, link)
    page = other.get(f"/surveys/{closed_list.id}").get_data(as_text=True)
    assert "Il tuo invito è già stato usato" in page and f'name="{closed_list.field}"' not in page
    in_db(lambda: db.session.execute(
        SurveyInvitation.__table__.update().values(used=False)) and db.session.commit())
    # Even if the page was loaded before the first answer, the second submit is refused atomically.
    first, second = app.test_client(), app.test_client()
    for browser in (first, second):
        open_link(browser, link)
    pages = [browser.get(f"/surveys/{closed_list.id}").get_data(as_text=True) for browser in (first, second)]
    data = {closed_list.field: closed_list.yes}
    assert first.post(f"/surveys/{closed_list.id}", data={"csrf_token": csrf_token(pages[0]), **data}
                      ).status_code == 302
    refused = second.post(f"/surveys/{closed_list.id}", data={"csrf_token": csrf_token(pages[1]), **data},
                          follow_redirects=True).get_data(as_text=True)
    assert "Il tuo invito è già stato usato" in refused
    assert in_db(lambda: db.session.scalar(select(func.count()).select_from(Participation))) == 2


def test_the_counts_show_who_used_an_invitation_never_which_response(app, client, auth, closed_list, in_db):
    _invite(client, auth, closed_list.id, "anna@example.org\nbruno@example.org")
    invitee = app.test_client()
    open_link(invitee, last_link(app, "anna@example.org", "/invitation/"))
    assert _answer(invitee, closed_list).status_code == 302
    page = client.get(f"/manage/surveys/{closed_list.id}/invitations").get_data(as_text=True)
    assert "Inviti inviati: 2. Hanno risposto: 1." in page
    # The invitations table points at nothing but its survey and keeps no time of use.
    table = inspect(SurveyInvitation).local_table
    assert {fk.column.table.name for fk in table.foreign_keys} == {"surveys"}
    assert set(table.columns.keys()) == {"id", "survey_id", "email", "token_hash", "used", "reminders",
                                         "sent_at", "language"}


def test_reminders_go_once_per_call_to_those_who_have_not_answered(app, client, auth, closed_list, in_db):
    _invite(client, auth, closed_list.id, "anna@example.org\nbruno@example.org")
    anna_link = last_link(app, "anna@example.org", "/invitation/")
    old_bruno = last_link(app, "bruno@example.org", "/invitation/")
    invitee = app.test_client()
    open_link(invitee, anna_link)
    assert _answer(invitee, closed_list).status_code == 302

    response = post_form(client, f"/manage/surveys/{closed_list.id}/invitations", {},
                         action=f"/manage/surveys/{closed_list.id}/invitations/remind", follow_redirects=True)
    assert "Promemoria inviati: 1." in response.get_data(as_text=True)
    assert len(queued(app, "anna@example.org")) == 1 and len(queued(app, "bruno@example.org")) == 2
    assert in_db(_invitations, closed_list.id) == [("anna@example.org", True, 0),
                                                   ("bruno@example.org", False, 1)]
    # The reminder's fresh link works; the first one no longer does.
    new_bruno = last_link(app, "bruno@example.org", "/invitation/")
    assert new_bruno != old_bruno
    stale = app.test_client()
    open_link(stale, old_bruno)
    assert "Possono partecipare solo le persone invitate" in stale.get(
        f"/surveys/{closed_list.id}").get_data(as_text=True)

    # The command does the same.
    result = app.test_cli_runner().invoke(args=["surveys", "remind-invited", str(closed_list.id)])
    assert result.exit_code == 0, result.output
    assert len(queued(app, "bruno@example.org")) == 3 and len(queued(app, "anna@example.org")) == 1
    assert in_db(_invitations, closed_list.id)[1] == ("bruno@example.org", False, 2)


def test_invitations_and_reminders_are_in_the_language_chosen_or_the_account_s(app, client, auth, closed_list,
                                                                               in_db):
    from tests.factories import make_user

    def accounts():
        make_user(email="carla@example.org").locale = "en"
        make_user(email="dario@example.org").locale = "it"
        db.session.commit()

    in_db(accounts)
    assert _invite(client, auth, closed_list.id, "anna@example.org").status_code == 302  # no language sent
    form = client.get(f"/manage/surveys/{closed_list.id}/invitations").get_data(as_text=True)
    assert "Lingua delle e-mail" in form and 'lang="en">English' in form
    assert 'checked id="language-0" name="language" type="radio" value="it"' in form  # the site's language
    post_form(client, f"/manage/surveys/{closed_list.id}/invitations",
              {"addresses": "bruno@example.org\ndario@example.org", "language": "en"})
    post_form(client, f"/manage/surveys/{closed_list.id}/invitations",
              {"addresses": "carla@example.org", "language": "it"})

    def first(address):
        [message] = queued(app, address)
        return message

    english, italian = first("bruno@example.org"), first("anna@example.org")
    assert english.subject == "You are invited to answer “Il consiglio dei ragazzi”"
    assert "Open your personal link to answer:" in english.body_text
    assert "Apri il tuo link personale" not in english.body_text
    assert italian.subject == "Sei invitato a rispondere a «Il consiglio dei ragazzi»"
    assert "Apri il tuo link personale per rispondere:" in italian.body_text
    # An account's own language wins over the one chosen on the form.
    assert first("carla@example.org").subject.startswith("You are invited")
    assert first("dario@example.org").subject.startswith("Sei invitato")

    post_form(client, f"/manage/surveys/{closed_list.id}/invitations", {},
              action=f"/manage/surveys/{closed_list.id}/invitations/remind")
    reminders = {address: queued(app, address)[-1] for address in
                 ("anna@example.org", "bruno@example.org", "carla@example.org", "dario@example.org")}
    assert reminders["bruno@example.org"].subject == (
        "Reminder: you are invited to answer “Il consiglio dei ragazzi”")
    assert "Links in earlier messages no longer work." in reminders["bruno@example.org"].body_text
    assert reminders["carla@example.org"].subject.startswith("Reminder:")
    for address in ("anna@example.org", "dario@example.org"):
        assert reminders[address].subject == (
            "Promemoria: sei invitato a rispondere a «Il consiglio dei ragazzi»")


def test_a_language_the_site_does_not_have_is_refused(app, client, auth, closed_list, in_db):
    auth.login("consigliere@example.org")
    response = post_form(client, f"/manage/surveys/{closed_list.id}/invitations",
                         {"addresses": "anna@example.org", "language": "xx"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="language-error"' in html and "Non è una opzione valida" in html
    assert in_db(_invitations, closed_list.id) == [] and queued(app) == []


def test_inviting_needs_the_setting_and_an_open_survey(app, client, auth, closed_list, in_db):
    def plain():
        from civic.surveys.models import Survey
        survey = db.session.get(Survey, closed_list.id)
        survey.invited_only = False
        db.session.commit()

    in_db(plain)
    response = _invite(client, auth, closed_list.id, "anna@example.org")
    assert response.status_code == 422
    assert "Solo le persone invitate possono rispondere" in response.get_data(as_text=True)
    assert in_db(_invitations, closed_list.id) == [] and queued(app) == []
    assert in_db(lambda: db.session.scalar(select(func.count()).select_from(OutboxMessage))) == 0


def test_the_page_speaks_english_too(app, client, auth, closed_list):
    auth.login("consigliere@example.org")
    page = client.get(f"/manage/surveys/{closed_list.id}/invitations?lang=en").get_data(as_text=True)
    assert "Invitations sent: 0. Answered: 0." in page and "Remind those" not in page
    english = client.get(f"/surveys/{closed_list.id}?lang=en").get_data(as_text=True)
    assert "Only invited people may take part" in english


def test_the_councillor_page_costs_the_same_whatever_the_number_of_invitations(app, client, auth, closed_list,
                                                                               count_queries):
    url = f"/manage/surveys/{closed_list.id}/invitations"
    _invite(client, auth, closed_list.id, "anna@example.org")
    client.get(url)
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    few = counter.count
    _invite(client, auth, closed_list.id, "\n".join(f"persona{n}@example.org" for n in range(30)))
    with count_queries() as counter:
        assert "Inviti inviati: 31." in client.get(url).get_data(as_text=True)
    assert counter.count == few, counter.statements


def test_answering_with_an_invitation_costs_two_statements_more(app, closed_list, count_queries, in_db):
    """The invitation is checked before the answers are read (one query) and changed with the answer (one
    UPDATE that also tells whether it was still unused)."""
    client = app.test_client()
    AuthActions(client).login("consigliere@example.org")
    post_form(client, f"/manage/surveys/{closed_list.id}/invitations", {"addresses": "anna@example.org"})
    invitee = app.test_client()
    open_link(invitee, last_link(app, "anna@example.org", "/invitation/"))
    page = invitee.get(f"/surveys/{closed_list.id}").get_data(as_text=True)
    with count_queries() as counter:
        response = invitee.post(f"/surveys/{closed_list.id}", data={
            "csrf_token": csrf_token(page), closed_list.field: closed_list.yes})
    assert response.status_code == 302
    updates = [s for s in counter.statements if s.lstrip().upper().startswith("UPDATE SURVEY_INVITATIONS")]
    reads = [s for s in counter.statements if "FROM survey_invitations" in s]
    assert len(updates) == 1 and len(reads) == 1, counter.statements


def test_the_setting_is_chosen_in_the_settings_and_kept_by_a_copy(app, client, auth, novi, in_db):
    from civic.surveys.models import Survey

    auth.login(novi.councillor)
    builder = f"/manage/surveys/{novi.id}"
    assert "Inviti</a>" not in client.get(builder).get_data(as_text=True)
    saved = post_form(client, f"{builder}/settings", {
        "title": "Il coworking a Novi Ligure", "audience": "anyone", "audience_level": "2", "anonymous": "y",
        "results_visibility": "after_close", "invited_only": "y"})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    assert in_db(lambda: db.session.get(Survey, novi.id).invited_only) is True
    assert "Inviti</a>" in client.get(builder).get_data(as_text=True)
    page = app.test_client().get(f"/surveys/{novi.id}").get_data(as_text=True)
    assert "Possono partecipare solo le persone invitate" in page
    assert app.test_client().get(f"/api/v1/surveys/{novi.id}").get_json()["invited_only"] is True
    copied = post_form(client, builder, {}, action=f"{builder}/copy")
    copy_id = int(copied.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    assert in_db(lambda: db.session.get(Survey, copy_id).invited_only) is True
