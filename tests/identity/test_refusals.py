"""What Civic refuses, and what the person is told: every refusal has a 4xx status (AgID's validator judges
only that) and a translated page. Beyond spid-sp-test: real namespaced signature wrapping, a tampered signed
value, an expired Conditions, replay, a sign-in finished in another browser."""
from __future__ import annotations

import copy
import dataclasses
import datetime as dt

import pytest
from lxml import etree
from saml2.saml import NAMEID_FORMAT_ENTITY, Issuer
from saml2.samlp import STATUS_AUTHN_FAILED
from sqlalchemy import func, select

from civic.accounts.models import AuthSession
from civic.database import db, utcnow
from civic.identity import services, validation
from civic.identity.models import Provider, SamlRequest
from civic.identity.refusals import Refusal
from civic.identity.saml import Verified
from tests.identity.conftest import ANNA, GIULIA, IDP, MARCO, answer, decoded, encoded, start

NS = validation.NS
SAMLP = f"{{{NS['samlp']}}}"


def _expected(started, level=2, now=None) -> validation.Expected:
    message = started.message
    return validation.Expected(
        provider=started.provider, request_id=message.id,
        issued_at=validation.instant(message.issue_instant, "IssueInstant"), idp=IDP, level=level,
        acs_url=message.assertion_consumer_service_url, entity_id=message.issuer.text,
        skew=dt.timedelta(seconds=120), now=now or utcnow())


@pytest.fixture
def valid(client, spid):
    """A valid answer to a fresh request, as an XML tree, with what it must match."""
    started = start(client, spid)
    root = etree.fromstring(decoded(spid.answer(started.message, GIULIA)).encode())
    return started, root


def _refusal(root, expected) -> Refusal:
    with pytest.raises(Refusal) as caught:
        validation.check_response(validation.parse(etree.tostring(root)), expected)
    return caught.value


def _one(root, path):
    return root.xpath(path, namespaces=NS)[0]


def test_the_valid_answer_passes_the_rules(valid):
    started, root = valid
    validation.check_response(root, _expected(started))


MUTATIONS = {
    "Response/@Destination missing": lambda r: r.attrib.pop("Destination"),
    "Destination is not our ACS": lambda r: r.set("Destination", "https://evil.example/acs"),
    "Response/@InResponseTo is not our request": lambda r: r.set("InResponseTo", "_other"),
    "Response/Issuer is not the identity provider": lambda r: setattr(_one(r, "saml:Issuer"), "text", "x"),
    "Response/Issuer/@Format is not entity": lambda r: _one(r, "saml:Issuer").set("Format", "urn:x"),
    "Response/@IssueInstant is not a UTC instant": lambda r: r.set("IssueInstant", "2026-12-06T10:00:00+01"),
    "Response/@IssueInstant outside": lambda r: r.set("IssueInstant", "2099-01-01T00:00:00Z"),
    "Assertion/@Version is not 2.0": lambda r: _one(r, "saml:Assertion").set("Version", "1.0"),
    "NameID/@Format is not transient": lambda r: _one(r, "//saml:NameID").set(
        "Format", "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"),
    "NameID/@NameQualifier missing": lambda r: _one(r, "//saml:NameID").attrib.pop("NameQualifier"),
    "SubjectConfirmation/@Method is not bearer": lambda r: _one(r, "//saml:SubjectConfirmation").set(
        "Method", "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key"),
    "Recipient is not our ACS": lambda r: _one(r, "//saml:SubjectConfirmationData").set(
        "Recipient", "https://evil.example/acs"),
    "SubjectConfirmationData expired": lambda r: _one(r, "//saml:SubjectConfirmationData").set(
        "NotOnOrAfter", "2020-01-01T00:00:00Z"),
    "Conditions/@NotBefore in the future": lambda r: _one(r, "//saml:Conditions").set(
        "NotBefore", "2099-01-01T00:00:00Z"),
    # spid-sp-test cannot test this one: its templates put NotBefore in 2099 as well.
    "Conditions expired": lambda r: _one(r, "//saml:Conditions").set("NotOnOrAfter", "2020-01-01T00:00:00Z"),
    "Audience is not our entity id": lambda r: setattr(_one(r, "//saml:Audience"), "text", "https://other"),
    "AuthnContextClassRef is not a SPID level": lambda r: setattr(
        _one(r, "//saml:AuthnContextClassRef"), "text", "urn:oasis:names:tc:SAML:2.0:ac:classes:SpidL2"),
    "an Attribute without value": lambda r: _one(r, "//saml:Attribute").remove(
        _one(r, "//saml:Attribute/saml:AttributeValue")),
    "the Assertion is not signed": lambda r: _one(r, "saml:Assertion/ds:Signature/ds:SignedInfo/ds:Reference")
    .set("URI", "#_something_else"),
}


@pytest.mark.parametrize("detail", MUTATIONS)
def test_each_rule_of_agid_refuses_its_answer(valid, detail):
    started, root = valid
    MUTATIONS[detail](root)
    refusal = _refusal(root, _expected(started))
    assert detail.split(" is ")[0].split(" missing")[0] in refusal.detail, refusal.detail
    assert (refusal.reason, refusal.status) == ("invalid", 403)


def test_a_lower_level_than_asked_is_refused_as_such(valid):
    started, root = valid
    _one(root, "//saml:AuthnContextClassRef").text = "https://www.spid.gov.it/SpidL1"
    assert _refusal(root, _expected(started)).reason == "level_too_low"
    validation.check_response(root, _expected(started, level=1))  # what was asked decides


def test_a_second_assertion_namespaced_properly_is_refused_before_any_signature(valid):
    """Signature wrapping: a forged assertion where the reader looks, the signed one hidden elsewhere."""
    started, root = valid
    signed = _one(root, "saml:Assertion")
    forged = copy.deepcopy(signed)
    forged.set("ID", "_forged")
    forged.remove(_one(forged, "ds:Signature"))
    extensions = etree.SubElement(root, SAMLP + "Extensions")
    root.replace(signed, forged)
    extensions.append(signed)
    assert "exactly one Assertion" in _refusal(root, _expected(started)).detail
    wrapper = etree.Element(SAMLP + "Response", nsmap=root.nsmap)
    wrapper.append(copy.deepcopy(root))
    assert "more than one Response" in _refusal(wrapper, _expected(started)).detail


def test_an_entity_declaration_is_refused(valid):
    started, _root = valid
    with pytest.raises(Refusal) as caught:
        validation.parse(b'<!DOCTYPE r [<!ENTITY e "x">]><p:Response xmlns:p="urn:x">&e;</p:Response>')
    assert caught.value.status == 400


def test_an_identity_provider_error_is_refused_with_its_anomaly(valid):
    started, root = valid
    status = _one(root, "samlp:Status")
    _one(status, "samlp:StatusCode").set("Value", "urn:oasis:names:tc:SAML:2.0:status:Responder")
    etree.SubElement(status, SAMLP + "StatusMessage").text = "ErrorCode nr22"
    refusal = _refusal(root, _expected(started))
    assert (refusal.reason, refusal.anomaly, refusal.status) == ("failed", 22, 403)


# --- through the ACS, as a browser meets them ------------------------------------------------------------


def _logged_in(app) -> bool:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuthSession)) > 0


def test_a_signed_value_changed_in_transit_is_refused(app, client, spid, valid):
    started, root = valid
    for value in root.xpath("//saml:Attribute[@Name='fiscalNumber']/saml:AttributeValue", namespaces=NS):
        value.text = "TINIT-RSSMRA80A01H501U"
    page = answer(client, spid, started, saml_response=encoded(etree.tostring(root).decode()))
    assert page.status_code == 403
    assert "Accesso rifiutato" in page.get_data(as_text=True)
    assert not _logged_in(app)


def test_the_wrapped_answer_is_refused_at_the_acs(app, client, spid, valid):
    started, root = valid
    signed = _one(root, "saml:Assertion")
    forged = copy.deepcopy(signed)
    forged.set("ID", "_forged")
    etree.SubElement(root, SAMLP + "Extensions").append(forged)
    page = answer(client, spid, started, saml_response=encoded(etree.tostring(root).decode()))
    assert page.status_code == 403
    assert not _logged_in(app)


ANOMALY_TITLES = {19: "Troppi tentativi errati", 20: "Le tue credenziali non bastano", 21: "Tempo scaduto",
                  22: "Consenso negato", 23: "Identità sospesa o revocata", 25: "Accesso annullato",
                  30: "Tipo di identità non accettato"}


@pytest.mark.parametrize("code", ANOMALY_TITLES)
def test_each_anomaly_of_the_identity_provider_has_its_page(client, spid, code):
    started = start(client, spid)
    message = started.message
    error = spid.server.create_error_response(
        message.id, message.assertion_consumer_service_url, (STATUS_AUTHN_FAILED, f"ErrorCode nr{code}"),
        issuer=Issuer(text=IDP, format=NAMEID_FORMAT_ENTITY))
    page = answer(client, spid, started, saml_response=encoded(str(error)))
    body = page.get_data(as_text=True)
    assert page.status_code == 403
    assert f"<h1>{ANOMALY_TITLES[code]}</h1>" in body
    assert f"Codice indicato dal gestore dell'identità: {code}" in body


def test_the_cancellation_page_in_english(client, spid):
    client.get("/?lang=en")
    started = start(client, spid)
    page = answer(client, spid, started, resident=None)  # the test identity provider's "Cancel"
    assert page.status_code == 403
    assert "<h1>Sign-in cancelled</h1>" in page.get_data(as_text=True)


def test_an_answer_is_used_once(app, client, spid):
    started = start(client, spid)
    saml_response = spid.answer(started.message, MARCO)
    assert answer(client, spid, started, saml_response=saml_response).status_code == 200
    again = answer(client, spid, started, saml_response=saml_response)
    assert again.status_code == 400
    assert "Accesso scaduto" in again.get_data(as_text=True)


def test_the_replay_store_refuses_an_assertion_seen_before(app, spid):
    later = utcnow() + dt.timedelta(minutes=5)
    verified = Verified(idp=IDP, level=2, name_id="_n", name_qualifier=IDP, session_index=None,
                        attributes={}, assertion_id="_assertion", expires_at=later)
    with app.test_request_context():
        services._first_use(verified)
        with pytest.raises(Refusal) as caught:
            services._first_use(verified)
        assert caught.value.reason == "replayed"


def test_a_sign_in_finishes_only_in_the_browser_that_started_it(app, client, spid):
    started = start(client, spid)
    redirect = answer(client, spid, started, follow=False)
    assert redirect.status_code == 303
    other = app.test_client()
    page = other.get(redirect.location)
    assert page.status_code == 403
    assert "Completa l'accesso nello stesso browser" in page.get_data(as_text=True)
    assert client.get(redirect.location).status_code == 400  # and it is spent


@pytest.mark.parametrize(("query", "status", "text"), [
    ({"idp": "https://unknown.example"}, 400, "Gestore dell'identità sconosciuto"),
    ({"idp": IDP, "level": "7"}, 400, "Il livello di sicurezza deve essere 1, 2 o 3."),
    ({"idp": IDP, "level": "due"}, 400, "Il livello di sicurezza deve essere 1, 2 o 3."),
])
def test_a_bad_login_address_is_explained(client, spid, query, status, text):
    page = client.get("/spid/login", query_string=query)
    assert page.status_code == status and text in page.get_data(as_text=True)


@pytest.mark.parametrize("form", [
    {"RelayState": "unknown", "SAMLResponse": "PHg+"},
    {"RelayState": "", "SAMLResponse": ""},
    {"SAMLResponse": "%%%not base64%%%", "RelayState": "x"},
])
def test_a_damaged_or_unknown_answer_is_a_400(app, client, spid, form):
    page = client.post("/spid/acs", data=form)
    assert page.status_code == 400
    assert "Accesso" in page.get_data(as_text=True)


def test_a_damaged_answer_spends_its_request(app, client, spid):
    started = start(client, spid)
    assert answer(client, spid, started, saml_response=encoded("<not-xml")).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SamlRequest)) == 0


def test_sign_in_that_is_off_does_not_exist(app, client):
    assert client.get("/spid/metadata").status_code == 404
    assert client.get("/cie/login", query_string={"idp": IDP}).status_code == 404
    assert client.post("/spid/acs", data={"SAMLResponse": "x", "RelayState": "y"}).status_code == 404


def test_cie_answers_may_omit_the_issuer_format_spid_ones_may_not(client, spid):
    started = start(client, spid, Provider.CIE)
    root = etree.fromstring(decoded(spid.answer(started.message, ANNA)).encode())
    _one(root, "saml:Assertion/saml:Issuer").attrib.pop("Format")
    validation.check_response(root, _expected(started))
    spid_expected = dataclasses.replace(_expected(started), provider=Provider.SPID)
    assert "Format missing" in _refusal(root, spid_expected).detail
