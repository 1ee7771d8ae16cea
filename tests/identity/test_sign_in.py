"""Signing in with SPID and CIE through the test client and a test identity provider: a new person creates
an account, a known one is signed in, an account is linked only after its password, and the fiscal code is
never kept."""
from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import func, select, text

from civic.accounts.models import AuthSession, User
from civic.audit.models import AuditEntry
from civic.database import db
from civic.identity import current
from civic.identity.models import Identity, IdentityLogin, Provider, SamlRequest
from civic.outbox.models import OutboxMessage
from tests.conftest import AuthActions
from tests.factories import make_user
from tests.identity.conftest import (
    ANNA,
    GIULIA,
    MARCO,
    TEST_IDENTITY_KEY,
    answer,
    create_account,
    sign_up,
    start,
)


def _identity(app, email: str) -> Identity | None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        found = db.session.scalar(select(Identity).where(Identity.user_id == user.id)) if user else None
        if found is not None:
            db.session.expunge(found)
        return found


def _whole_database(app) -> str:
    """Every value of every table, as text: what a leaked backup would show."""
    with app.app_context():
        rows = []
        for table in db.metadata.sorted_tables:
            rows.extend(str(tuple(row)) for row in db.session.execute(text(f'SELECT * FROM "{table.name}"')))
        return "\n".join(rows)


def test_a_new_person_confirms_the_account_spid_prefilled_and_is_signed_in(app, client, spid):
    started = start(client, spid)
    page = answer(client, spid, started)
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Crea il tuo account" in body
    assert 'value="Giulia Demolini"' in body and 'value="giulia.demolini@example.org"' in body
    page = create_account(client, page)
    assert page.status_code == 200
    assert "Buongiorno, Giulia Demolini: il tuo account è pronto." in page.get_data(as_text=True)
    profile = client.get("/account/")
    assert profile.status_code == 200 and "giulia.demolini@example.org" in profile.get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "giulia.demolini@example.org"))
        assert user.display_name == "Giulia Demolini"
        assert user.is_confirmed  # the address the identity provider vouched for
        identity = db.session.scalar(select(Identity).where(Identity.user_id == user.id))
        key, code = TEST_IDENTITY_KEY.encode(), GIULIA.fiscal_code.encode()
        expected = hmac.new(key, code, hashlib.sha256).hexdigest()
        assert (identity.subject, identity.provider, identity.level) == (expected, Provider.SPID, 2)
        assert db.session.scalar(select(func.count()).select_from(IdentityLogin)) == 1
        assert db.session.scalar(select(func.count()).select_from(SamlRequest)) == 0  # nothing left pending


def test_the_fiscal_code_is_never_stored_nor_written_to_the_audit_log(app, client, spid):
    sign_up(client, spid)
    everything = _whole_database(app)
    assert GIULIA.fiscal_code not in everything and GIULIA.fiscal_code.lower() not in everything
    assert "1985-02-14" not in everything  # nor the date of birth
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEntry.action)))
        assert {"identity.create_account", "identity.sign_in"} <= actions


def test_a_known_person_is_signed_in_at_once_in_a_new_session(app, client, spid):
    sign_up(client, spid)
    AuthActions(client).logout()
    with app.app_context():
        before = set(db.session.scalars(select(AuthSession.token_hash)))
    started = start(client, spid, next_url="/meetings/")
    response = answer(client, spid, started, follow=False)
    assert response.status_code == 303
    response = client.get(response.location)
    assert response.status_code == 302 and response.location == "/meetings/"
    assert "Buongiorno, Giulia Demolini." in client.get("/meetings/").get_data(as_text=True)
    with app.app_context():
        assert set(db.session.scalars(select(AuthSession.token_hash))).isdisjoint(before)
        assert db.session.scalar(select(func.count()).select_from(Identity)) == 1


def test_an_unsafe_next_address_is_ignored(client, spid):
    sign_up(client, spid)
    AuthActions(client).logout()
    started = start(client, spid, next_url="//evil.example/")
    response = answer(client, spid, started, follow=False)
    assert client.get(response.location).location == "/"


def test_the_same_person_through_cie_is_the_same_account(app, client, spid):
    sign_up(client, spid, resident=MARCO)
    AuthActions(client).logout()
    started = start(client, spid, Provider.CIE, level=3)
    page = answer(client, spid, started, MARCO)
    assert "Buongiorno, Marco Fittizi." in page.get_data(as_text=True)
    identity = _identity(app, "marco.fittizi@example.org")
    assert (identity.provider, identity.level) == (Provider.CIE, 3)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_cie_gives_no_email_so_the_typed_one_gets_a_confirmation_link(app, client, spid):
    started = start(client, spid, Provider.CIE)
    page = answer(client, spid, started, ANNA)
    assert "Crea il tuo account" in page.get_data(as_text=True)
    page = create_account(client, page, email="anna@example.org")
    assert "Ti abbiamo inviato un link per confermare il tuo indirizzo e-mail." in page.get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "anna@example.org"))
        assert not user.is_confirmed
        mails = select(func.count()).where(OutboxMessage.to_address == "anna@example.org")
        assert db.session.scalar(mails) == 1


def test_a_changed_email_is_not_taken_as_confirmed(app, client, spid):
    sign_up(client, spid, email="giulia.altra@example.org")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "giulia.altra@example.org"))
        assert not user.is_confirmed


def test_the_new_account_form_explains_its_mistakes(app, client, spid):
    with app.app_context():
        make_user(email="taken@example.org")
    started = start(client, spid)
    page = answer(client, spid, started, ANNA)
    refused = create_account(client, page, email="taken@example.org", privacy=False)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Per registrarti devi accettare" in body
    refused = create_account(client, refused, email="taken@example.org")
    assert refused.status_code == 422
    assert "Questo indirizzo e-mail appartiene a un account" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Identity)) == 0


def test_an_account_with_the_same_email_is_linked_only_after_its_password(app, client, spid):
    with app.app_context():
        make_user(email=GIULIA.email, name="Giulia")
    started = start(client, spid)
    page = answer(client, spid, started)
    assert page.status_code == 409
    assert "Hai già un account" in page.get_data(as_text=True)
    assert _identity(app, GIULIA.email) is None
    assert client.get("/account/").status_code == 302  # not logged in

    AuthActions(client).login(GIULIA.email)
    started = start(client, spid)
    page = answer(client, spid, started)
    assert "La tua identità digitale ora è collegata al tuo account." in page.get_data(as_text=True)
    assert _identity(app, GIULIA.email) is not None
    AuthActions(client).logout()
    page = answer(client, spid, start(client, spid))
    assert "Buongiorno, Giulia." in page.get_data(as_text=True)


def test_an_identity_of_another_account_is_refused_to_a_logged_in_person(app, client, spid):
    sign_up(client, spid, resident=MARCO)
    AuthActions(client).logout()
    with app.app_context():
        make_user(email="other@example.org")
    AuthActions(client).login("other@example.org")
    page = answer(client, spid, start(client, spid), MARCO)
    assert page.status_code == 409
    assert "appartiene a un altro account" in page.get_data(as_text=True)
    assert _identity(app, "other@example.org") is None


def test_the_level_of_the_session_is_what_the_platform_reads(app, client, spid):
    with app.app_context():
        make_user(email=GIULIA.email, name="Giulia")
    AuthActions(client).login(GIULIA.email)
    answer(client, spid, start(client, spid, level=3))  # linked, and this session opened at level 3
    with client:
        client.get("/account/")
        found = current.signed_in_with()
        assert (found.provider, found.level) == (Provider.SPID, 3)
        assert current.level_at_least(2) and current.level_at_least(3)
    AuthActions(client).logout()
    AuthActions(client).login(GIULIA.email)  # the identity is linked, but this session is a password one
    with client:
        client.get("/account/")
        assert current.signed_in_with() is None and not current.level_at_least(1)
