"""Comments on motions and consultations: plain text, one level of replies, corrections for 15 minutes,
reports, moderation by admins, a rate limit."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from civic.audit.models import AuditEntry
from civic.comments.models import Comment, CommentReport
from civic.database import db
from civic.motions.models import MotionStatus
from tests.comments.factories import make_comment
from tests.conftest import csrf_token, post_form
from tests.consultations.factories import make_consultation
from tests.factories import PASSWORD, make_body, make_user
from tests.motions.factories import make_motion


@pytest.fixture
def data(app):
    with app.app_context():
        body = make_body()
        motion = make_motion(body, "Mozione sul coworking")
        consultation = make_consultation(body, "Coworking nel Levante")
        draft = make_motion(body, "Bozza", status=MotionStatus.DRAFT)
        giulia = make_user("giulia@example.org", "Giulia Rossi")
        make_user("marco@example.org", "Marco Bruzzone")
        make_user("admin@example.org", "Moderatrice", admin=True)
        make_user("levante@example.org", councillor_of=body)
        existing = make_comment(giulia, "Primo commento.", motion=motion)
        return {"motion": motion.id, "consultation": consultation.id, "slug": consultation.slug,
                "draft": draft.id, "existing": existing.id}


def _comment(client, data, text, kind="motion", reply_to=None, follow=False):
    target = data["motion"] if kind == "motion" else data["consultation"]
    page = f"/motions/{data['motion']}" if kind == "motion" else f"/consultations/{data['slug']}/"
    form = {"text": text, **({"reply_to": reply_to} if reply_to else {})}
    return post_form(client, page, form, action=f"/comments/{kind}/{target}/new", follow_redirects=follow)


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Comment.id)))


def test_plain_text_comments_on_motions_and_consultations(client, auth, data, app):
    auth.login("marco@example.org", PASSWORD)
    response = _comment(client, data, "Serve a Sturla.\nE a Quinto: **subito**.")
    assert response.status_code == 302 and "#comment-" in response.headers["Location"]
    page = client.get(f"/motions/{data['motion']}").get_data(as_text=True)
    assert "Serve a Sturla.<br>E a Quinto: **subito**." in page  # line breaks kept, no Markdown
    assert "Marco Bruzzone" in page
    _comment(client, data, "Anche per i giovani.", kind="consultation")
    assert "Anche per i giovani." in client.get(f"/consultations/{data['slug']}/").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(
            select(func.count(Comment.id)).where(Comment.target_kind == "consultation")) == 1


def test_one_level_of_replies(client, auth, data, app):
    auth.login("marco@example.org", PASSWORD)
    form_page = client.get(f"/comments/motion/{data['motion']}/new?reply_to={data['existing']}")
    assert "Rispondi a un commento" in form_page.get_data(as_text=True)
    assert "Primo commento." in form_page.get_data(as_text=True)
    _comment(client, data, "Risposta diretta.", reply_to=data["existing"])
    with app.app_context():
        reply = db.session.scalar(select(Comment).where(Comment.text == "Risposta diretta."))
        assert reply.parent_id == data["existing"]
        reply_id = reply.id
    # A reply to a reply joins the thread of the top-level comment.
    _comment(client, data, "Risposta alla risposta.", reply_to=reply_id)
    with app.app_context():
        assert db.session.scalar(
            select(Comment.parent_id).where(Comment.text == "Risposta alla risposta.")) == data["existing"]
    page = client.get(f"/motions/{data['motion']}").get_data(as_text=True)
    thread = page[page.index(f'id="comment-{data["existing"]}"'):]
    assert thread.index("Primo commento.") < thread.index("Risposta diretta.") < thread.index(
        "Risposta alla risposta.")


def test_a_reply_must_belong_to_the_same_thread(client, auth, data, app):
    auth.login("marco@example.org", PASSWORD)
    response = _comment(client, data, "Fuori posto.", kind="consultation", reply_to=data["existing"])
    assert response.status_code == 422
    assert "Il commento a cui rispondi non c’è più." in response.get_data(as_text=True)
    assert _count(app) == 1


@pytest.mark.parametrize("text, message", [("   ", "Scrivi il tuo commento."),
                                           ("x" * 2001, "Al massimo 2000 caratteri.")])
def test_bad_comments_are_refused(client, auth, data, app, text, message):
    auth.login("marco@example.org", PASSWORD)
    response = _comment(client, data, text)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert _count(app) == 1


def test_visitors_unconfirmed_people_and_drafts(client, auth, data, app):
    response = client.get(f"/comments/motion/{data['motion']}/new")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    with app.app_context():
        make_user("new@example.org", confirmed=False)
    auth.login("new@example.org", PASSWORD)
    page = client.get(f"/motions/{data['motion']}").get_data(as_text=True)
    assert "Conferma il tuo indirizzo e-mail per commentare." in page
    response = client.post(f"/comments/motion/{data['motion']}/new",
                           data={"csrf_token": csrf_token(page), "text": "Ciao"})
    assert response.status_code == 302 and "/account/" in response.headers["Location"]
    auth.logout()
    auth.login("marco@example.org", PASSWORD)
    assert client.get(f"/comments/motion/{data['draft']}/new").status_code == 404
    assert client.get("/comments/motion/999/new").status_code == 404
    assert _count(app) == 1


def test_correct_own_comment_within_15_minutes_only(client, auth, data, app):
    auth.login("giulia@example.org", PASSWORD)
    edit = f"/comments/{data['existing']}/edit"
    assert "Correggi" in client.get(f"/motions/{data['motion']}").get_data(as_text=True)
    assert post_form(client, edit, {"text": "Primo commento, corretto."}).status_code == 302
    page = client.get(f"/motions/{data['motion']}").get_data(as_text=True)
    assert "Primo commento, corretto." in page and "modificato" in page
    with app.app_context():
        comment = db.session.get(Comment, data["existing"])
        comment.created_at -= dt.timedelta(minutes=16)
        db.session.commit()
    assert client.get(edit).status_code == 403
    token = csrf_token(client.get(f"/motions/{data['motion']}").get_data(as_text=True))
    assert client.post(edit, data={"csrf_token": token, "text": "Troppo tardi"}).status_code == 403
    auth.logout()
    auth.login("marco@example.org", PASSWORD)
    assert client.get(edit).status_code == 403
    with app.app_context():
        assert db.session.get(Comment, data["existing"]).text == "Primo commento, corretto."


def test_report_once_then_admin_hides_and_shows_again(client, auth, data, app):
    auth.login("marco@example.org", PASSWORD)
    report = f"/comments/{data['existing']}/report"
    first = post_form(client, f"/motions/{data['motion']}", {}, action=report, follow_redirects=True)
    assert "Grazie: i moderatori leggeranno il commento." in first.get_data(as_text=True)
    second = post_form(client, f"/motions/{data['motion']}", {}, action=report, follow_redirects=True)
    assert "Hai già segnalato questo commento." in second.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(CommentReport.id))) == 1
    assert client.get("/manage/admin/comments").status_code == 403
    auth.logout()
    auth.login("levante@example.org", PASSWORD)
    assert client.get("/manage/admin/comments").status_code == 403
    auth.logout()

    auth.login("admin@example.org", PASSWORD)
    queue = client.get("/manage/admin/comments").get_data(as_text=True)
    assert "Primo commento." in queue and "<td>1</td>" in queue
    hide = f"/manage/admin/comments/{data['existing']}/hide"
    assert post_form(client, "/manage/admin/comments", {}, action=hide).status_code == 302
    page = client.get(f"/motions/{data['motion']}").get_data(as_text=True)
    assert "Primo commento." not in page and "Questo commento è stato nascosto dai moderatori." in page
    assert post_form(client, "/manage/admin/comments", {},
                     action=f"/manage/admin/comments/{data['existing']}/unhide").status_code == 302
    assert "Primo commento." in client.get(f"/motions/{data['motion']}").get_data(as_text=True)
    with app.app_context():
        entries = db.session.execute(
            select(AuditEntry.action, AuditEntry.summary).order_by(AuditEntry.id)).all()
    assert [action for action, _summary in entries] == ["comment.hide", "comment.unhide"]
    assert all("Primo commento" not in summary for _action, summary in entries)  # no personal text in the log


def test_no_report_button_on_own_comment(client, auth, data):
    auth.login("giulia@example.org", PASSWORD)
    page = client.get(f"/motions/{data['motion']}").get_data(as_text=True)
    assert f"/comments/{data['existing']}/report" not in page


def test_comments_are_rate_limited(client, auth, data, app):
    app.config["CIVIC_LIMIT_COMMENT"] = "2 per minute"
    auth.login("marco@example.org", PASSWORD)
    page = client.get(f"/motions/{data['motion']}").get_data(as_text=True)
    token = csrf_token(page)
    statuses = [client.post(f"/comments/motion/{data['motion']}/new",
                            data={"csrf_token": token, "text": f"Commento {i}"}).status_code
                for i in range(3)]
    assert statuses == [302, 302, 429]
    assert _count(app) == 3  # the existing one and two new


def test_comment_pages_are_paginated(client, data, app):
    with app.app_context():
        author = db.session.scalar(select(Comment.author_id))
        for i in range(25):
            db.session.add(Comment(author_id=author, target_kind="motion", target_id=data["motion"],
                                   text=f"Numero {i:02d}"))
        db.session.commit()
    first = client.get(f"/motions/{data['motion']}").get_data(as_text=True)
    assert "Numero 18" in first and "Numero 19" not in first
    second = client.get(f"/motions/{data['motion']}?page=2").get_data(as_text=True)
    assert "Numero 19" in second
    assert re.search(r'href="/motions/\d+\?page=2"', first)
