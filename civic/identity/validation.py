"""AgID's rules for a SAML Response to an AuthnRequest (Regole tecniche SPID and its notices), checked before
pysaml2 verifies the signatures: pysaml2 alone accepts answers AgID requires refusing (an empty Destination, a
lower level than asked, a Recipient that is not ours, ...). Every rule failure raises a Refusal."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from lxml import etree

from civic.identity.models import Provider
from civic.identity.refusals import Refusal

NS = {
    "ds": "http://www.w3.org/2000/09/xmldsig#",
    "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
    "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
}
LEVEL_URIS = {f"https://www.spid.gov.it/SpidL{level}": level for level in (1, 2, 3)}
SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
ENTITY = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity"
TRANSIENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
UTC_INSTANT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$")
ANOMALY = re.compile(r"ErrorCode nr(\d+)")
MAX_BYTES = 256 * 1024


@dataclass(frozen=True)
class Expected:
    """What the answer must match: our request and our addresses."""

    provider: Provider
    request_id: str
    issued_at: dt.datetime
    idp: str
    level: int
    acs_url: str
    entity_id: str
    skew: dt.timedelta
    now: dt.datetime


def parse(raw: bytes):
    """The XML document, parsed without entities, DTDs or network access; Refusal("malformed") otherwise."""
    if len(raw) > MAX_BYTES:
        raise Refusal("malformed", "SAMLResponse too large", 400)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             remove_comments=True)
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as error:
        raise Refusal("malformed", f"malformed XML: {error}", 400) from error
    if root.getroottree().docinfo.doctype:
        raise Refusal("malformed", "DTD not allowed", 400)
    return root


def instant(value: str | None, what: str) -> dt.datetime:
    """An xs:dateTime in UTC ("...Z", with an optional fraction of a second)."""
    if value is None or not value.strip():
        raise Refusal("invalid", f"{what} missing or empty")
    if not UTC_INSTANT.match(value):
        raise Refusal("invalid", f"{what} is not a UTC instant")
    base, _, fraction = value[:-1].partition(".")
    moment = dt.datetime.strptime(base, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=dt.UTC)
    return moment + dt.timedelta(microseconds=int((fraction + "000000")[:6])) if fraction else moment


def _one(node, path: str, what: str):
    found = node.xpath(path, namespaces=NS)
    if len(found) != 1:
        raise Refusal("invalid", f"{what}: {len(found)} found, one expected")
    return found[0]


def _attribute(element, name: str, what: str) -> str:
    value = element.get(name)
    if value is None or not value.strip():
        raise Refusal("invalid", f"{what} missing or empty")
    return value


def _text(element) -> str:
    return (element.text or "").strip()


def _within_window(value: str | None, what: str, expected: Expected) -> None:
    # Not before our request was issued, not after now (both give or take the clock skew).
    moment = instant(value, what)
    if moment < expected.issued_at - expected.skew or moment > expected.now + expected.skew:
        raise Refusal("invalid", f"{what} outside the request's time window")


def check_response(root, expected: Expected) -> None:
    """Every structural rule of an AgID Response, in the order the validator lists them. A non-Success status
    raises Refusal("failed") with the identity provider's anomaly code, after the checks that say the answer
    is for our request (error answers are usually unsigned: they only choose the message shown)."""
    if root.tag != f"{{{NS['samlp']}}}Response":
        raise Refusal("invalid", "the root is not samlp:Response")
    # Exactly one Response and one Assertion in the whole document: no room for signature wrapping.
    if len(root.xpath("//samlp:Response", namespaces=NS)) != 1:
        raise Refusal("invalid", "more than one Response")
    _attribute(root, "ID", "Response/@ID")
    if root.get("Version") != "2.0":
        raise Refusal("invalid", "Response/@Version is not 2.0")
    _within_window(root.get("IssueInstant"), "Response/@IssueInstant", expected)
    if _attribute(root, "InResponseTo", "Response/@InResponseTo") != expected.request_id:
        raise Refusal("invalid", "Response/@InResponseTo is not our request")
    if _attribute(root, "Destination", "Response/@Destination") != expected.acs_url:
        raise Refusal("invalid", "Response/@Destination is not our ACS")
    issuer = _one(root, "saml:Issuer", "Response/Issuer")
    if _text(issuer) != expected.idp:
        raise Refusal("invalid", "Response/Issuer is not the identity provider asked")
    if issuer.get("Format") not in (None, ENTITY):
        raise Refusal("invalid", "Response/Issuer/@Format is not entity")
    status = _one(root, "samlp:Status", "Status")
    code = _attribute(_one(status, "samlp:StatusCode", "StatusCode"), "Value", "StatusCode/@Value")
    if code != SUCCESS:
        found = ANOMALY.search(status.xpath("string(samlp:StatusMessage)", namespaces=NS))
        raise Refusal("failed", f"status {code}", 403, int(found.group(1)) if found else None)
    if root.xpath("//saml:EncryptedAssertion", namespaces=NS):
        raise Refusal("invalid", "EncryptedAssertion not expected")
    if len(root.xpath("//saml:Assertion", namespaces=NS)) != 1:
        raise Refusal("invalid", "exactly one Assertion expected")
    _check_assertion(root, _one(root, "saml:Assertion", "Assertion"), expected)


def _check_assertion(root, assertion, expected: Expected) -> None:
    assertion_id = _attribute(assertion, "ID", "Assertion/@ID")
    if assertion.get("Version") != "2.0":
        raise Refusal("invalid", "Assertion/@Version is not 2.0")
    _within_window(assertion.get("IssueInstant"), "Assertion/@IssueInstant", expected)
    issuer = _one(assertion, "saml:Issuer", "Assertion/Issuer")
    if _text(issuer) != expected.idp:
        raise Refusal("invalid", "Assertion/Issuer is not the identity provider asked")
    issuer_format = issuer.get("Format")
    # CIE's assertions may omit the Format (AgID's validator skips that check for CIE); SPID's may not.
    if issuer_format is None and expected.provider is Provider.SPID:
        raise Refusal("invalid", "Assertion/Issuer/@Format missing")
    if issuer_format is not None and issuer_format != ENTITY:
        raise Refusal("invalid", "Assertion/Issuer/@Format is not entity")
    # The signature pysaml2 verifies must be the one over this very assertion (and the response's over it).
    if assertion.xpath("ds:Signature/ds:SignedInfo/ds:Reference/@URI", namespaces=NS) != ["#" + assertion_id]:
        raise Refusal("invalid", "the Assertion is not signed, or its signature is about something else")
    response_refs = root.xpath("ds:Signature/ds:SignedInfo/ds:Reference/@URI", namespaces=NS)
    if response_refs and response_refs != ["#" + root.get("ID")]:
        raise Refusal("invalid", "the Response signature is about something else")
    _check_subject(_one(assertion, "saml:Subject", "Subject"), expected)
    _check_conditions(_one(assertion, "saml:Conditions", "Conditions"), expected)
    statement = _one(assertion, "saml:AuthnStatement", "AuthnStatement")
    level_uri = _text(_one(statement, "saml:AuthnContext/saml:AuthnContextClassRef", "AuthnContextClassRef"))
    level = LEVEL_URIS.get(level_uri)
    if level is None:
        raise Refusal("invalid", "AuthnContextClassRef is not a SPID level")
    if level < expected.level:  # Comparison="minimum"
        raise Refusal("level_too_low", f"level {level} below the {expected.level} asked")
    for attributes in assertion.xpath("saml:AttributeStatement", namespaces=NS):
        found = attributes.xpath("saml:Attribute", namespaces=NS)
        if not found:
            raise Refusal("invalid", "AttributeStatement without Attribute")
        if any(not attribute.xpath("saml:AttributeValue", namespaces=NS) for attribute in found):
            raise Refusal("invalid", "an Attribute without value")


def _check_subject(subject, expected: Expected) -> None:
    name_id = _one(subject, "saml:NameID", "Subject/NameID")
    if not _text(name_id):
        raise Refusal("invalid", "NameID empty")
    if _attribute(name_id, "Format", "NameID/@Format") != TRANSIENT:
        raise Refusal("invalid", "NameID/@Format is not transient")
    _attribute(name_id, "NameQualifier", "NameID/@NameQualifier")
    confirmation = _one(subject, "saml:SubjectConfirmation", "SubjectConfirmation")
    if _attribute(confirmation, "Method", "SubjectConfirmation/@Method") != BEARER:
        raise Refusal("invalid", "SubjectConfirmation/@Method is not bearer")
    data = _one(confirmation, "saml:SubjectConfirmationData", "SubjectConfirmationData")
    if _attribute(data, "Recipient", "SubjectConfirmationData/@Recipient") != expected.acs_url:
        raise Refusal("invalid", "SubjectConfirmationData/@Recipient is not our ACS")
    if _attribute(data, "InResponseTo", "SubjectConfirmationData/@InResponseTo") != expected.request_id:
        raise Refusal("invalid", "SubjectConfirmationData/@InResponseTo is not our request")
    not_on_or_after = instant(data.get("NotOnOrAfter"), "SubjectConfirmationData/@NotOnOrAfter")
    if not_on_or_after <= expected.now - expected.skew:
        raise Refusal("invalid", "SubjectConfirmationData expired")


def _check_conditions(conditions, expected: Expected) -> None:
    if instant(conditions.get("NotBefore"), "Conditions/@NotBefore") > expected.now + expected.skew:
        raise Refusal("invalid", "Conditions/@NotBefore in the future")
    if instant(conditions.get("NotOnOrAfter"), "Conditions/@NotOnOrAfter") <= expected.now - expected.skew:
        raise Refusal("invalid", "Conditions expired")
    audience = _one(_one(conditions, "saml:AudienceRestriction", "AudienceRestriction"), "saml:Audience",
                    "Audience")
    if _text(audience) != expected.entity_id:
        raise Refusal("invalid", "Audience is not our entity id")


def assertion_id(root) -> str:
    return root.xpath("saml:Assertion/@ID", namespaces=NS)[0]
