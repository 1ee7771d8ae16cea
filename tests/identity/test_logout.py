"""Single logout: Civic's LogoutRequest to the identity provider (the local session ends at once), the
identity provider's own LogoutRequest (found server-side: it carries no cookie), and the local logout of CIE,
whose SAML logout is not offered."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from saml2 import BINDING_HTTP_REDIRECT
from saml2.saml import NAMEID_FORMAT_TRANSIENT, NameID
from saml2.xmldsig import SIG_RSA_SHA256
from sqlalchemy import func, select

from civic.accounts.models import AuthSession
from civic.database import db
from civic.identity.models import IdentityLogin, Provider
from tests.conftest import csrf_token
from tests.identity.conftest import ANNA, IDP, IDP_BASE, sign_up


def _args(location: str) -> dict:
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def _log_out(client):
    page = client.get("/")
    body = page.get_data(as_text=True)
    assert 'action="/identity/logout"' in body  # the header's button goes through single logout
    return client.post("/identity/logout", data={"csrf_token": csrf_token(body)})


def _sessions(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuthSession))


def test_logging_out_ends_the_session_here_and_at_the_identity_provider(app, client, spid):
    sign_up(client, spid)
    response = _log_out(client)
    assert response.status_code == 302 and response.location.startswith(f"{IDP_BASE}/demo-idp/slo?")
    assert _sessions(app) == 0
    assert client.get("/account/").status_code == 302  # logged out here already
    args = _args(response.location)
    back = spid.logout(args["SAMLRequest"], args.get("RelayState"), args["SigAlg"], args["Signature"])
    page = client.get(urlsplit(back).path + "?" + urlsplit(back).query, follow_redirects=True)
    assert "Hai chiuso la sessione." in page.get_data(as_text=True)


def test_a_forged_logout_answer_still_leaves_the_person_logged_out(app, client, spid):
    sign_up(client, spid)
    response = _log_out(client)
    relay_state = _args(response.location)["RelayState"]
    page = client.get("/spid/slo", query_string={"SAMLResponse": "Zm9yZ2Vk", "RelayState": relay_state},
                      follow_redirects=True)
    assert "non ha confermato la chiusura anche presso di sé" in page.get_data(as_text=True)
    assert _sessions(app) == 0


def test_the_identity_provider_ends_the_sessions_of_its_person(app, client, spid):
    sign_up(client, spid)
    with app.app_context():
        login = db.session.scalar(select(IdentityLogin))
        name_id = login.name_id
    server = spid.server
    _id, request = server.create_logout_request(
        "http://localhost/spid/slo", _sp_entity(app),
        name_id=NameID(text=name_id, format=NAMEID_FORMAT_TRANSIENT, name_qualifier=IDP), sign=False)
    info = server.apply_binding(BINDING_HTTP_REDIRECT, str(request), "http://localhost/spid/slo",
                                relay_state="idp-state", sign=True, sigalg=SIG_RSA_SHA256)
    location = dict(info["headers"])["Location"]
    other_browser = app.test_client()  # the identity provider's redirect: no cookie of the person's session
    answer = other_browser.get(urlsplit(location).path + "?" + urlsplit(location).query)
    assert answer.status_code == 302 and answer.location.startswith(f"{IDP_BASE}/demo-idp/slo?SAMLResponse=")
    assert _sessions(app) == 0
    assert client.get("/account/").status_code == 302


def _sp_entity(app) -> str:
    return app.config["CIVIC_BASE_URL"] + "/spid/metadata"


def test_an_unsigned_logout_request_is_refused_and_changes_nothing(app, client, spid):
    sign_up(client, spid)
    server = spid.server
    _id, request = server.create_logout_request(
        "http://localhost/spid/slo", _sp_entity(app),
        name_id=NameID(text="_whoever", format=NAMEID_FORMAT_TRANSIENT, name_qualifier=IDP), sign=False)
    info = server.apply_binding(BINDING_HTTP_REDIRECT, str(request), "http://localhost/spid/slo", sign=False)
    location = dict(info["headers"])["Location"]
    refused = app.test_client().get(urlsplit(location).path + "?" + urlsplit(location).query)
    assert refused.status_code == 400
    assert _sessions(app) == 1


def test_cie_logs_out_here_only(app, client, spid):
    sign_up(client, spid, resident=ANNA, provider=Provider.CIE, email="anna@example.org")
    response = _log_out(client)
    assert response.status_code == 302 and response.location == "/"
    assert "Hai chiuso la sessione." in client.get("/").get_data(as_text=True)
    assert _sessions(app) == 0
