"""Civic as a SAML 2.0 service provider for SPID or CIE, on pysaml2 with Debian's xmlsec1: signed metadata,
signed AuthnRequests and LogoutRequests, and the verification of answers (signatures, trust, audience, times)
after the AgID rules of civic.identity.validation. Imported on the first use of SPID or CIE
(civic.identity.federation), not with the app: pysaml2 loads its XML schemas when it is imported (about a
tenth of a server process's start and 23 MB of its memory); the values that pass in and out are in
civic.identity.protocol."""
from __future__ import annotations

import base64
import datetime as dt
import secrets

from lxml import etree
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.response import StatusError
from saml2.saml import NAMEID_FORMAT_ENTITY, NAMEID_FORMAT_TRANSIENT, AuthnContextClassRef, Issuer, NameID
from saml2.samlp import STATUS_RESPONDER, STATUS_SUCCESS, RequestedAuthnContext, Status, StatusCode
from saml2.sigver import pre_signature_part
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from civic.identity import validation
from civic.identity.models import Provider
from civic.identity.protocol import Organisation, OutgoingRequest, Verified, xmlsec_binary
from civic.identity.refusals import Refusal
from civic.identity.settings import CIE_ATTRIBUTES, SPID_ATTRIBUTES, Endpoints

MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
EXTENSIONS = {Provider.SPID: "https://spid.gov.it/saml-extensions",
              Provider.CIE: "https://www.cartaidentita.interno.gov.it/saml-extensions"}


class ServiceProvider:
    """Civic's service provider for one provider (SPID or CIE): pysaml2's client over the trusted identity
    providers' metadata (files, and inline documents such as the demo identity provider's)."""

    def __init__(self, provider: Provider, endpoints: Endpoints, organisation: Organisation, key_file: str,
                 cert_file: str, metadata_files: list[str], inline_metadata: list[str], skew_seconds: int):
        self.provider = provider
        self.endpoints = endpoints
        self.organisation = organisation
        self.cert_file = cert_file
        self.skew = dt.timedelta(seconds=skew_seconds)
        self.attributes = SPID_ATTRIBUTES if provider is Provider.SPID else CIE_ATTRIBUTES
        config = SPConfig()
        config.load({
            "entityid": endpoints.entity_id,
            "xmlsec_binary": xmlsec_binary(),
            "key_file": key_file,
            "cert_file": cert_file,
            "metadata": {"local": metadata_files, "inline": inline_metadata},
            "accepted_time_diff": skew_seconds,
            # Without it pysaml2 drops the SPID attribute names it has no map for.
            "allow_unknown_attributes": True,
            "service": {"sp": {
                # No "name": pysaml2 would send it as ProviderName, which SPID does not use.
                "endpoints": {
                    "assertion_consumer_service": [(endpoints.acs_url, BINDING_HTTP_POST)],
                    "single_logout_service": [(endpoints.slo_url, BINDING_HTTP_POST),
                                              (endpoints.slo_url, BINDING_HTTP_REDIRECT)],
                },
                "authn_requests_signed": True,
                "logout_requests_signed": True,
                "want_assertions_signed": True,
                "want_response_signed": False,  # SPID: the Response's own signature is optional
                "allow_unsolicited": False,
                "name_id_format": NAMEID_FORMAT_TRANSIENT,
                "signing_algorithm": SIG_RSA_SHA256,
                "digest_algorithm": DIGEST_SHA256,
            }},
        })
        # pysaml2 checks the signature of an incoming request (an identity provider's LogoutRequest) only
        # under this idp-side setting; without it an unsigned LogoutRequest would end sessions.
        config._idp_want_authn_requests_signed = True
        self.client = Saml2Client(config=config)
        self._metadata: bytes | None = None

    # --- identity providers -------------------------------------------------------------------------------

    def identity_providers(self) -> dict[str, str]:
        """entity id -> the name people know it by (OrganizationDisplayName, else the entity id)."""
        found = {}
        for entity_id in self.client.metadata.identity_providers():
            organisation = self.client.metadata[entity_id].get("organization", {})
            names = organisation.get("organization_display_name", [])
            found[entity_id] = next((name["text"] for name in names if name.get("lang") == "it"),
                                    names[0]["text"] if names else entity_id)
        return found

    def has_single_logout(self, idp: str) -> bool:
        try:
            return bool(self.client.metadata.single_logout_service(idp, BINDING_HTTP_REDIRECT, "idpsso"))
        except Exception:  # pysaml2 raises several kinds for an entity without the service
            return False

    # --- metadata -------------------------------------------------------------------------------------------

    def metadata(self) -> bytes:
        """The signed metadata document (built once per process; a new key pair needs a restart)."""
        if self._metadata is None:
            self._metadata = self._signed_metadata()
        return self._metadata

    def _certificate(self) -> str:
        with open(self.cert_file) as handle:
            pem = handle.read()
        return "".join(pem.split("-----")[2].split())

    def _signed_metadata(self) -> bytes:
        md, ds, org = f"{{{MD}}}", f"{{{DS}}}", self.organisation
        ext = EXTENSIONS[self.provider]
        document_id = "_" + secrets.token_hex(16)
        root = etree.Element(md + "EntityDescriptor", nsmap={"md": MD, "ds": DS, self.provider.value: ext},
                             entityID=self.endpoints.entity_id, ID=document_id)
        # The signature first (CIE's schema wants it there).
        template = pre_signature_part(document_id, public_key=self._certificate(), sign_alg=SIG_RSA_SHA256,
                                      digest_alg=DIGEST_SHA256)
        root.append(etree.fromstring(str(template).encode()))
        sp = etree.SubElement(root, md + "SPSSODescriptor",
                              protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol",
                              AuthnRequestsSigned="true", WantAssertionsSigned="true")
        key = etree.SubElement(sp, md + "KeyDescriptor", use="signing")
        x509 = etree.SubElement(etree.SubElement(key, ds + "KeyInfo"), ds + "X509Data")
        etree.SubElement(x509, ds + "X509Certificate").text = self._certificate()
        for binding in (BINDING_HTTP_POST, BINDING_HTTP_REDIRECT):
            etree.SubElement(sp, md + "SingleLogoutService", Binding=binding, Location=self.endpoints.slo_url)
        etree.SubElement(sp, md + "NameIDFormat").text = NAMEID_FORMAT_TRANSIENT
        etree.SubElement(sp, md + "AssertionConsumerService", index="0", isDefault="true",
                         Binding=BINDING_HTTP_POST, Location=self.endpoints.acs_url)
        service = etree.SubElement(sp, md + "AttributeConsumingService", index="0")
        etree.SubElement(service, md + "ServiceName", {XML_LANG: "it"}).text = org.service_name
        for name in self.attributes:
            etree.SubElement(service, md + "RequestedAttribute", Name=name)
        organisation = etree.SubElement(root, md + "Organization")
        for tag, text in (("OrganizationName", org.name), ("OrganizationDisplayName", org.display_name),
                          ("OrganizationURL", org.url)):
            etree.SubElement(organisation, md + tag, {XML_LANG: "it"}).text = text
        self._contact(root, md, ext)
        unsigned = etree.tostring(root, encoding="unicode")
        signed = self.client.sec.sign_statement(
            unsigned, node_name=f"{MD}:EntityDescriptor", node_id=document_id)
        return signed.encode() if isinstance(signed, str) else signed

    def _contact(self, root, md: str, ext: str) -> None:
        """SPID: one "other" contact with spid:IPACode and spid:Public; CIE: one "administrative" contact with
        the company, cie:Public, IPACode, Municipality, Province and Country."""
        org = self.organisation
        if self.provider is Provider.SPID:
            contact = etree.SubElement(root, md + "ContactPerson", contactType="other")
            extensions = etree.SubElement(contact, md + "Extensions")
            etree.SubElement(extensions, f"{{{ext}}}IPACode").text = org.ipa_code
            etree.SubElement(extensions, f"{{{ext}}}Public")
        else:
            contact = etree.SubElement(root, md + "ContactPerson", contactType="administrative")
            extensions = etree.SubElement(contact, md + "Extensions")
            etree.SubElement(extensions, f"{{{ext}}}Public")
            for tag, text in (("IPACode", org.ipa_code), ("Municipality", org.municipality),
                              ("Province", org.province), ("Country", "IT")):
                if text:
                    etree.SubElement(extensions, f"{{{ext}}}{tag}").text = text
            etree.SubElement(contact, md + "Company").text = org.name
        etree.SubElement(contact, md + "EmailAddress").text = org.email
        if org.phone:
            etree.SubElement(contact, md + "TelephoneNumber").text = org.phone

    # --- sign-in --------------------------------------------------------------------------------------------

    def _issuer(self) -> Issuer:
        entity_id = self.endpoints.entity_id
        return Issuer(text=entity_id, format=NAMEID_FORMAT_ENTITY, name_qualifier=entity_id)

    def authn_request(self, idp: str, level: int, relay_state: str,
                      redirect: bool = False) -> OutgoingRequest:
        """A signed AuthnRequest for `level` or more (Comparison="minimum"); ForceAuthn from level 2, as AgID
        asks. HTTP-POST binding by default; HTTP-Redirect signs the query string instead."""
        binding = BINDING_HTTP_REDIRECT if redirect else BINDING_HTTP_POST
        destination = self.client.metadata.single_sign_on_service(idp, binding)[0]["location"]
        options = {
            "destination": destination,
            "binding": BINDING_HTTP_POST,  # how the answer comes back (ProtocolBinding)
            "nameid_format": NAMEID_FORMAT_TRANSIENT,
            "issuer": self._issuer(),
            "requested_authn_context": RequestedAuthnContext(
                authn_context_class_ref=[AuthnContextClassRef(text=f"https://www.spid.gov.it/SpidL{level}")],
                comparison="minimum"),
            "attribute_consuming_service_index": "0",
            "assertion_consumer_service_url": self.endpoints.acs_url,
            "sign_alg": SIG_RSA_SHA256,
            "digest_alg": DIGEST_SHA256,
        }
        if level >= 2:
            options["force_authn"] = "true"
        request_id, request = self.client.create_authn_request(sign=not redirect, **options)
        xml = request if isinstance(request, str) else str(request)
        issued_at = validation.instant(etree.fromstring(xml.encode()).get("IssueInstant"), "IssueInstant")
        if not redirect:
            return OutgoingRequest(request_id, issued_at, destination, relay_state,
                                   saml_request=base64.b64encode(xml.encode()).decode())
        info = self.client.apply_binding(BINDING_HTTP_REDIRECT, xml, destination, relay_state=relay_state,
                                         sign=True, sigalg=SIG_RSA_SHA256)
        return OutgoingRequest(request_id, issued_at, destination, relay_state,
                               location=dict(info["headers"])["Location"])

    def verify(self, saml_response: str, expected: validation.Expected) -> Verified:
        """The person an answer vouches for, after AgID's rules and pysaml2's checks; Refusal otherwise."""
        try:
            raw = base64.b64decode(saml_response, validate=False)
        except ValueError as error:
            raise Refusal("malformed", "SAMLResponse is not base64", 400) from error
        root = validation.parse(raw)
        validation.check_response(root, expected)
        try:  # signatures (xmlsec1), trust in the issuer, audience, times, InResponseTo, recipient
            response = self.client.parse_authn_request_response(
                saml_response, BINDING_HTTP_POST, outstanding={expected.request_id: "/"})
        except StatusError as error:
            raise Refusal("failed", "pysaml2: the status is not Success") from error
        except Exception as error:  # pysaml2 raises many kinds, all refusals (their text may quote data)
            raise Refusal("invalid", f"pysaml2: {type(error).__name__}") from error
        if response is None:
            raise Refusal("invalid", "pysaml2 found no response")
        assertion = response.assertion
        name_id = assertion.subject.name_id
        # pysaml2 remembers every subject it sees; Civic keeps its own records.
        self.client.users.remove_person(name_id)
        if assertion.id != validation.assertion_id(root):
            raise Refusal("invalid", "the verified assertion is not the one checked")
        statement = assertion.authn_statement[0]
        level = validation.LEVEL_URIS[statement.authn_context.authn_context_class_ref.text.strip()]
        attributes = {name: values[0] if len(values) == 1 else values
                      for name, values in response.ava.items()}
        conditions = root.xpath("saml:Assertion/saml:Conditions", namespaces=validation.NS)[0]
        return Verified(idp=response.issuer(), level=level, name_id=name_id.text.strip(),
                        name_qualifier=name_id.name_qualifier, session_index=statement.session_index or None,
                        attributes=attributes, assertion_id=assertion.id,
                        expires_at=validation.instant(conditions.get("NotOnOrAfter"), "NotOnOrAfter"))

    # --- single logout ------------------------------------------------------------------------------------

    def logout_request(self, idp: str, name_id: str, name_qualifier: str, session_index: str | None,
                       relay_state: str) -> OutgoingRequest:
        """A signed LogoutRequest for the person's session at the identity provider (HTTP-Redirect)."""
        destination = self.client.metadata.single_logout_service(idp, BINDING_HTTP_REDIRECT, "idpsso")[0][
            "location"]
        request_id, request = self.client.create_logout_request(
            destination, idp,
            name_id=NameID(text=name_id, format=NAMEID_FORMAT_TRANSIENT, name_qualifier=name_qualifier),
            session_indexes=[session_index] if session_index else None, sign=False)
        request.issuer = self._issuer()
        xml = str(request)
        issued_at = validation.instant(etree.fromstring(xml.encode()).get("IssueInstant"), "IssueInstant")
        info = self.client.apply_binding(BINDING_HTTP_REDIRECT, xml, destination, relay_state=relay_state,
                                         sign=True, sigalg=SIG_RSA_SHA256)
        return OutgoingRequest(request_id, issued_at, destination, relay_state,
                               location=dict(info["headers"])["Location"])

    def logout_response(self, saml_response: str, redirect: bool, request_id: str) -> bool:
        """Whether the identity provider's LogoutResponse to our request is valid and says Success."""
        binding = BINDING_HTTP_REDIRECT if redirect else BINDING_HTTP_POST
        try:
            response = self.client.parse_logout_request_response(saml_response, binding)
        except Exception:  # a damaged or forged answer: the local logout stands anyway
            return False
        return (response is not None and response.in_response_to == request_id
                and response.response.status.status_code.value == STATUS_SUCCESS)

    def parse_logout_request(self, saml_request: str, redirect: bool, relay_state: str | None,
                             sigalg: str | None, signature: str | None):
        """An identity provider's signed LogoutRequest; Refusal when it is damaged, unsigned or untrusted."""
        binding = BINDING_HTTP_REDIRECT if redirect else BINDING_HTTP_POST
        try:
            request = self.client.parse_logout_request(saml_request, binding, relay_state=relay_state,
                                                       sigalg=sigalg, signature=signature)
        except Exception as error:
            raise Refusal("invalid", f"LogoutRequest refused: {type(error).__name__}", 400) from error
        if request is None or request.message.issuer is None:
            raise Refusal("invalid", "LogoutRequest without issuer", 400)
        if not redirect and request.message.signature is None:
            raise Refusal("invalid", "LogoutRequest not signed", 400)
        return request

    def logout_answer(self, request, success: bool, relay_state: str | None) -> str:
        """Where to send the browser with our signed LogoutResponse (HTTP-Redirect)."""
        status = None if success else Status(status_code=StatusCode(value=STATUS_RESPONDER))
        response = self.client.create_logout_response(
            request.message, [BINDING_HTTP_REDIRECT], status=status, sign=False)
        destination = self.client.metadata.single_logout_service(
            request.message.issuer.text, BINDING_HTTP_REDIRECT, "idpsso")[0]
        location = destination.get("response_location") or destination["location"]
        info = self.client.apply_binding(BINDING_HTTP_REDIRECT, str(response), location,
                                         relay_state=relay_state, sign=True, sigalg=SIG_RSA_SHA256,
                                         response=True)
        return dict(info["headers"])["Location"]

