"""SPID and CIE in tests: the suite's own key pairs (keys/), a test identity provider made with pysaml2 and
trusted only here, and helpers that go through the real SAML flow with the test client."""
from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from civic import create_app
from civic.identity import federation
from civic.identity.demo_idp.residents import RESIDENTS, Resident
from civic.identity.demo_idp.server import DemoIdentityProvider
from civic.identity.models import Provider
from tests.conftest import TEST_CONFIG
from tests.support.servers import ThreadedServer

KEYS = Path(__file__).with_name("keys")
TEST_IDENTITY_KEY = "a fixed key for the tests only, never used elsewhere"
IDP_BASE = "https://idp.test"
IDP = f"{IDP_BASE}/demo-idp/metadata"
GIULIA, MARCO, ANNA = RESIDENTS  # Anna's identity provider gives no e-mail address


def identity_config(metadata_dir: Path, **extra) -> dict:
    """The configuration that turns SPID and CIE on, trusting the identity providers of `metadata_dir`."""
    return {
        "CIVIC_SPID_ENABLED": True,
        "CIVIC_CIE_ENABLED": True,
        "CIVIC_SPID_KEY_FILE": str(KEYS / "sp-key.pem"),
        "CIVIC_SPID_CERT_FILE": str(KEYS / "sp-crt.pem"),
        "CIVIC_IDENTITY_METADATA_DIR": str(metadata_dir),
        "CIVIC_IDENTITY_KEY": TEST_IDENTITY_KEY,
        "CIVIC_SPID_IPA_CODE": "c_demo",
        "CIVIC_SPID_ORGANIZATION_NAME": "Comune di Demo",
        "CIVIC_SPID_CONTACT_EMAIL": "protocollo@comune.demo.example",
        "CIVIC_SPID_CONTACT_PHONE": "+390000000000",
        "CIVIC_CIE_MUNICIPALITY": "F965",
        "CIVIC_CIE_PROVINCE": "AL",
        **extra,
    }


@pytest.fixture(scope="session")
def test_idp() -> DemoIdentityProvider:
    """An identity provider of the tests (pysaml2's server with the suite's IdP key pair)."""
    keys = KEYS / "idp"
    return DemoIdentityProvider(IDP_BASE, str(keys / "private.key"), str(keys / "public.cert"))


@pytest.fixture(scope="session")
def metadata_dir(tmp_path_factory, test_idp) -> Path:
    folder = tmp_path_factory.mktemp("idps")
    for provider in Provider:
        (folder / provider.value).mkdir()
        (folder / provider.value / "test-idp.xml").write_text(test_idp.metadata())
    return folder


@pytest.fixture
def spid(app, metadata_dir, test_idp):
    """SPID and CIE on for this test (the configuration is restored after it)."""
    app.config.update(identity_config(metadata_dir))
    with app.app_context():
        for provider in Provider:
            sp = federation.service_provider(provider)
            test_idp.trust(sp.endpoints.entity_id, sp.metadata())
    return test_idp


# --- going through the flow with the test client -----------------------------------------------------------


def form_fields(page: str) -> tuple[str, dict]:
    """The action and hidden fields of the form that carries a SAML message (the header's may come first)."""
    action = re.search(r'<form[^>]*action="([^"]+)"[^>]*data-autosubmit', page).group(1)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    return html.unescape(action), {name: html.unescape(value) for name, value in fields.items()}


@dataclass
class Started:
    """A sign-in started in the test client: the request as the identity provider received it."""

    provider: Provider
    message: object  # pysaml2's AuthnRequest, its signature verified
    relay_state: str


def start(client, test_idp, provider=Provider.SPID, level=None, next_url=None, redirect=False) -> Started:
    query = {"idp": IDP}
    if level is not None:
        query["level"] = level
    if next_url:
        query["next"] = next_url
    if redirect:
        query["binding"] = "redirect"
    response = client.get(f"/{provider.value}/login", query_string=query)
    if redirect:
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        args = {key: values[0] for key, values in parse_qs(urlsplit(response.location).query).items()}
        message = test_idp.parse_request(args["SAMLRequest"], True, args.get("RelayState"),
                                         args.get("SigAlg"), args.get("Signature"))
        return Started(provider, message, args["RelayState"])
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    action, fields = form_fields(response.get_data(as_text=True))
    assert action == f"{IDP_BASE}/demo-idp/sso"
    message = test_idp.parse_request(fields["SAMLRequest"], False, fields["RelayState"], None, None)
    return Started(provider, message, fields["RelayState"])


def answer(client, test_idp, started: Started, resident: Resident | None = GIULIA, saml_response=None,
           relay_state=None, follow=True):
    """POST the identity provider's answer to the ACS, as the browser does (and follow to the finish)."""
    saml_response = saml_response or test_idp.answer(started.message, resident)
    return client.post(f"/{started.provider.value}/acs",
                       data={"SAMLResponse": saml_response, "RelayState": relay_state or started.relay_state},
                       follow_redirects=follow)


def decoded(saml_response: str) -> str:
    return base64.b64decode(saml_response).decode()


def encoded(xml: str) -> str:
    return base64.b64encode(xml.encode()).decode()


def create_account(client, finish_page, display_name=None, email=None, privacy=True):
    """Submit the "create your account" form a first sign-in shows, with its prefilled values by default."""
    page = finish_page.get_data(as_text=True)
    action = html.unescape(re.search(r'<form method="post" action="([^"]+)"', page).group(1))
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    prefilled = dict(re.findall(r'<input[^>]*name="(display_name|email)"[^>]*value="([^"]*)"', page))
    data = {"csrf_token": token, "display_name": display_name or html.unescape(prefilled["display_name"]),
            "email": email if email is not None else html.unescape(prefilled.get("email", ""))}
    if privacy:
        data["privacy"] = "y"
    return client.post(action, data=data, follow_redirects=True)


def sign_up(client, test_idp, resident=GIULIA, provider=Provider.SPID, email=None, level=None):
    """A first sign-in that creates the account; returns the page after it."""
    started = start(client, test_idp, provider, level=level)
    page = answer(client, test_idp, started, resident)
    assert page.status_code == 200, page.get_data(as_text=True)[-2000:]
    return create_account(client, page, email=email)


@pytest.fixture(scope="session")
def demo_site(app, database_url, tmp_path_factory):
    """Civic as `make run` serves it: SPID and CIE on, trusting only the demo identity provider, on a loopback
    port (its own app, on the test database)."""
    empty = tmp_path_factory.mktemp("no-idps")
    site = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url,
                       # Not RATELIMIT_ENABLED=False: the limiter is one object for every app of the process.
                       "CIVIC_LIMIT_LOGIN": "100000 per minute",
                       **identity_config(empty, CIVIC_DEMO_IDP=True)})
    server = ThreadedServer(site)
    site.config["CIVIC_BASE_URL"] = server.url
    server.start()
    yield site, server.url
    server.stop()
