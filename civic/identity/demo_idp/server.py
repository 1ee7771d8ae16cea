"""A demo SPID/CIE identity provider: pysaml2's IdP server with its own key, inside Civic, for `make run` and
the browser tests only. It verifies Civic's signed requests and answers with signed, SPID-shaped responses
that pass the same checks as a real identity provider's."""
from __future__ import annotations

import base64
import datetime as dt
import os
import secrets
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAME_FORMAT_BASIC, NAMEID_FORMAT_ENTITY, NAMEID_FORMAT_TRANSIENT, Issuer, NameID
from saml2.samlp import STATUS_AUTHN_FAILED
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from civic.identity.demo_idp.residents import Resident
from civic.identity.protocol import xmlsec_binary

ATTRIBUTE_NAMES = ("spidCode", "name", "familyName", "fiscalNumber", "dateOfBirth", "email")


def key_pair(folder: Path) -> tuple[str, str]:
    """The demo identity provider's key and self-signed certificate, made once into `folder`."""
    key_file, cert_file = folder / "key.pem", folder / "crt.pem"
    if key_file.exists() and cert_file.exists():
        return str(key_file), str(cert_file)
    folder.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "IT"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Civic demo identity provider"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "Civic demo IdP - not for production")])
    now = dt.datetime.now(dt.UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
                   .not_valid_after(now + dt.timedelta(days=3650)).sign(key, hashes.SHA256()))
    # Written under temporary names and renamed: two processes starting together keep one pair.
    for path, data in ((key_file, key.private_bytes(serialization.Encoding.PEM,
                                                     serialization.PrivateFormat.TraditionalOpenSSL,
                                                     serialization.NoEncryption())),
                       (cert_file, certificate.public_bytes(serialization.Encoding.PEM))):
        handle, temporary = tempfile.mkstemp(dir=folder)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        if not path.exists():
            os.replace(temporary, path)
        else:
            os.unlink(temporary)
    return str(key_file), str(cert_file)


def _attribute_map_folder() -> str:
    """pysaml2 needs a map to send SPID's attribute names as they are (NameFormat basic)."""
    folder = tempfile.mkdtemp(prefix="civic-demo-idp-")
    pairs = ", ".join(f"{name!r}: {name!r}" for name in ATTRIBUTE_NAMES)
    with open(os.path.join(folder, "spid.py"), "w") as handle:
        handle.write(f"MAP = {{'identifier': {NAME_FORMAT_BASIC!r}, "
                     f"'fro': {{{pairs}}}, 'to': {{{pairs}}}}}\n")
    return folder


class DemoIdentityProvider:
    """pysaml2's Server as the demo identity provider at <base>/demo-idp/."""

    def __init__(self, base_url: str, key_file: str, cert_file: str):
        base = base_url.rstrip("/")
        self.entity_id = f"{base}/demo-idp/metadata"
        self.sso_url = f"{base}/demo-idp/sso"
        self.slo_url = f"{base}/demo-idp/slo"
        config = IdPConfig()
        config.load({
            "entityid": self.entity_id, "key_file": key_file, "cert_file": cert_file,
            "xmlsec_binary": xmlsec_binary(), "attribute_map_dir": _attribute_map_folder(), "metadata": [],
            "service": {"idp": {
                "endpoints": {
                    "single_sign_on_service": [(self.sso_url, BINDING_HTTP_POST),
                                               (self.sso_url, BINDING_HTTP_REDIRECT)],
                    "single_logout_service": [(self.slo_url, BINDING_HTTP_REDIRECT)],
                },
                "name_id_format": [NAMEID_FORMAT_TRANSIENT],
                "want_authn_requests_signed": True,
                "sign_assertion": True, "sign_response": True,
                "signing_algorithm": SIG_RSA_SHA256, "digest_algorithm": DIGEST_SHA256,
                "policy": {"default": {"lifetime": {"minutes": 5}, "name_form": NAME_FORMAT_BASIC,
                                       "attribute_restrictions": None}},
            }},
            "organization": {"name": [("Demo IdP", "it"), ("Demo IdP", "en")],
                             "display_name": [("Demo IdP", "it"), ("Demo IdP", "en")], "url": base},
        })
        self.server = Server(config=config)
        self._trusted: set[str] = set()

    def metadata(self) -> str:
        return entity_descriptor(self.server.config).to_string().decode()

    def trust(self, entity_id: str, metadata: bytes) -> None:
        """Know a service provider (Civic's own signed metadata), once."""
        if entity_id not in self._trusted:
            self.server.metadata.imp([{"class": "saml2.mdstore.InMemoryMetaData",
                                       "metadata": [(metadata.decode(),)]}])
            self._trusted.add(entity_id)

    def parse_request(self, saml_request: str, redirect: bool, relay_state: str | None, sigalg: str | None,
                      signature: str | None):
        """The service provider's AuthnRequest, its signature verified; ValueError when it is not signed or
        not trusted."""
        binding = BINDING_HTTP_REDIRECT if redirect else BINDING_HTTP_POST
        try:
            request = self.server.parse_authn_request(saml_request, binding, relay_state=relay_state,
                                                      sigalg=sigalg, signature=signature)
        except Exception as error:  # pysaml2 raises many kinds for a bad or unsigned request
            raise ValueError(f"AuthnRequest refused: {type(error).__name__}") from error
        message = request.message
        if not redirect and message.signature is None:
            raise ValueError("AuthnRequest not signed")
        acs = message.assertion_consumer_service_url
        known = [endpoint["location"] for endpoint in
                 self.server.metadata.assertion_consumer_service(message.issuer.text, BINDING_HTTP_POST)]
        if acs not in known:
            raise ValueError("unknown assertion consumer service")
        return message

    def requested_attributes(self, sp_entity_id: str) -> list[str]:
        wanted = self.server.metadata.attribute_requirement(sp_entity_id) or {}
        return [item["name"] for item in wanted.get("required", []) + wanted.get("optional", [])]

    def answer(self, message, resident: Resident | None) -> str:
        """The signed Response for the request (the resident's attributes at the level asked), or AgID's
        anomaly 25 (cancelled by the user) when `resident` is None; returned base64-encoded for the form."""
        sp = message.issuer.text
        acs = message.assertion_consumer_service_url
        issuer = Issuer(text=self.entity_id, format=NAMEID_FORMAT_ENTITY)
        if resident is None:
            response = self.server.create_error_response(
                message.id, acs, (STATUS_AUTHN_FAILED, "ErrorCode nr25"), sign=True, issuer=issuer)
        else:
            wanted = self.requested_attributes(sp)
            attributes = {name: value for name, value in resident.attributes().items() if name in wanted}
            level_uri = message.requested_authn_context.authn_context_class_ref[0].text.strip()
            response = self.server.create_authn_response(
                attributes, message.id, acs, sp,
                name_id=NameID(format=NAMEID_FORMAT_TRANSIENT, name_qualifier=self.entity_id,
                               text="_" + secrets.token_hex(16)),
                authn={"class_ref": level_uri, "authn_auth": self.entity_id},
                issuer=issuer, sign_response=True, sign_assertion=True, sign_alg=SIG_RSA_SHA256,
                digest_alg=DIGEST_SHA256)
        return base64.b64encode(str(response).encode()).decode()

    def logout(self, saml_request: str, relay_state: str | None, sigalg: str | None,
               signature: str | None) -> str:
        """Answer a service provider's signed LogoutRequest (HTTP-Redirect) with Success: the address to send
        the browser back to."""
        request = self.server.parse_logout_request(
            saml_request, BINDING_HTTP_REDIRECT, relay_state=relay_state, sigalg=sigalg, signature=signature)
        response = self.server.create_logout_response(request.message, [BINDING_HTTP_REDIRECT], sign=False)
        destination = self.server.metadata.single_logout_service(
            request.message.issuer.text, BINDING_HTTP_REDIRECT, "spsso")[0]["location"]
        info = self.server.apply_binding(BINDING_HTTP_REDIRECT, str(response), destination,
                                         relay_state=relay_state, sign=True, sigalg=SIG_RSA_SHA256,
                                         response=True)
        return dict(info["headers"])["Location"]
