"""The motion list, a motion page, the consultation page and the home page issue the same number of SQL
queries with 10 motions, supports and comments as with 500 (no query per row)."""
from __future__ import annotations

import pytest

from civic.accounts.models import User
from civic.bodies.models import Body
from civic.consultations.models import Consultation
from civic.database import db
from civic.motions.models import Motion
from tests.comments.factories import bulk_comments
from tests.consultations.factories import make_consultation
from tests.factories import PASSWORD, make_body, make_user
from tests.motions.factories import bulk_milestones, bulk_motions, bulk_supports


def _grow(app, ids: dict, count: int) -> None:
    """`count` more motions in the consultation, each supported by every user and with a milestone; `count`
    more comments (each with a reply) on the first motion and on the consultation."""
    with app.app_context():
        consultation = db.session.get(Consultation, ids["consultation"])
        users = [db.session.get(User, user_id) for user_id in ids["users"]]
        motion_ids = bulk_motions(db.session.get(Body, ids["body"]), count, consultation=consultation)
        bulk_supports(motion_ids, users)
        bulk_milestones(motion_ids)
        ids.setdefault("first", motion_ids[0])
        bulk_comments(users[0], count, motion=db.session.get(Motion, ids["first"]))
        bulk_comments(users[0], count, consultation=consultation)


def _counts(client, count_queries, urls) -> dict[str, int]:
    counts = {}
    for url in urls:
        client.get(url)  # warm-up: the first request may fill caches (and show the log-in message)
        client.get(url)
        with count_queries() as counter:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[url] = counter.count
    return counts


@pytest.mark.parametrize(("logged_in", "slots"), [(False, True), (True, True), (True, False)],
                         ids=["visitor", "citizen", "citizen-whole-pages"])
def test_same_number_of_queries_at_10_and_at_500(app, client, auth, count_queries, logged_in, slots):
    app.config["CIVIC_PERSONAL_SLOTS"] = slots  # off: a citizen's pages are rendered whole
    with app.app_context():
        body = make_body()
        consultation = make_consultation(body, "Percorso grande")
        ids = {"body": body.id, "consultation": consultation.id, "slug": consultation.slug,
               "users": [make_user(f"person{i}@example.org").id for i in range(3)]}
    _grow(app, ids, 10)
    if logged_in:
        auth.login("person0@example.org", PASSWORD)
    urls = ["/motions/", "/motions/?q=prova&status=filed&year=2014", f"/motions/{ids['first']}",
            f"/consultations/{ids['slug']}/", "/", "/motions.json"]
    small = _counts(client, count_queries, urls)
    _grow(app, ids, 490)
    large = _counts(client, count_queries, urls)
    assert large == small
    motion_page = client.get(f"/motions/{ids['first']}").get_data(as_text=True)
    assert "3 persone sostengono questa mozione." in motion_page
    assert "Risposta 0" in motion_page  # the replies are there, loaded with their comments
    assert "Tutte le 500 mozioni di questo percorso" in client.get(f"/consultations/{ids['slug']}/").get_data(
        as_text=True)
