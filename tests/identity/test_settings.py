"""Configuration of SPID and CIE: what is refused at start-up (the demo identity provider in production, a
missing identity key), the keyed hash, the two commands, and the README's table naming every setting."""
from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509

from civic import create_app
from civic.identity import subjects
from civic.identity.settings import ConfigurationError
from tests.conftest import IN_CI, TEST_CONFIG
from tests.identity.conftest import GIULIA, TEST_IDENTITY_KEY, identity_config

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("production", [{"CIVIC_ENV": "production"},
                                        {"CIVIC_BASE_URL": "https://partecipa.comune.example.it"}])
def test_the_demo_identity_provider_is_refused_in_production(database_url, production):
    with pytest.raises(ConfigurationError, match="demo identity provider is refused in production"):
        create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "CIVIC_DEMO_IDP": True,
                    **production})


def test_the_demo_identity_provider_runs_on_a_loopback_address(database_url):
    for base in ("http://127.0.0.1:5000", "https://localhost:8443"):
        demo = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "CIVIC_DEMO_IDP": True,
                           "CIVIC_BASE_URL": base})
        assert "demo_idp" in demo.blueprints
    assert "demo_idp" not in create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url}).blueprints


def test_production_needs_its_own_identity_key_and_body(database_url, metadata_dir):
    config = {**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, **identity_config(metadata_dir),
              "CIVIC_ENV": "production"}
    with pytest.raises(ConfigurationError, match="CIVIC_IDENTITY_KEY"):
        create_app({**config, "CIVIC_IDENTITY_KEY": None})
    with pytest.raises(ConfigurationError, match="CIVIC_SPID_IPA_CODE"):
        create_app({**config, "CIVIC_SPID_IPA_CODE": None})
    assert create_app(config).config["CIVIC_ENV"] == "production"


def test_a_missing_key_pair_is_refused_at_start_up(database_url, metadata_dir, tmp_path):
    with pytest.raises(ConfigurationError, match="spid keygen"):
        create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, **identity_config(metadata_dir),
                    "CIVIC_SPID_KEY_FILE": str(tmp_path / "none.pem")})


def test_the_subject_is_the_same_for_every_spelling_and_needs_the_key(app):
    app.config["CIVIC_IDENTITY_KEY"] = TEST_IDENTITY_KEY
    with app.app_context():
        code = GIULIA.fiscal_code
        assert subjects.subject("TINIT-" + code) == subjects.subject(code.lower()) == subjects.subject(
            f" {code[:8]} {code[8:]} ")
        first = subjects.subject(code)
        app.config["CIVIC_IDENTITY_KEY"] = "another key"
        assert subjects.subject(code) != first
        for wrong in ("", "TINIT-", "RSSMRA80A01H501X", "not a code"):
            with pytest.raises(subjects.NotAFiscalCode):
                subjects.subject(wrong)


def test_development_generates_the_identity_key_into_the_instance_folder(app):
    app.config["CIVIC_IDENTITY_KEY"] = None
    with app.app_context():
        assert subjects.identity_key() == subjects.identity_key()
        assert (Path(app.instance_path) / "identity_key").exists()


def test_every_setting_is_declared_in_config_and_named_in_the_readme():
    """The settings civic/identity reads are read from the environment in civic/config.py and listed in the
    README's configuration table."""
    used = set()
    for path in (ROOT / "civic" / "identity").rglob("*.py"):
        used |= set(re.findall(r'"(CIVIC_(?:SPID|CIE|IDENTITY|DEMO|ENV)[A-Z_]*)"', path.read_text()))
    config = (ROOT / "civic" / "config.py").read_text()
    declared = {node.value for node in ast.walk(ast.parse(config)) if isinstance(node, ast.Constant)
                and isinstance(node.value, str) and node.value.startswith("CIVIC_")}
    readme = (ROOT / "README.md").read_text()
    table = set(re.findall(r"^\| `(CIVIC_[A-Z_]+)` \|", readme, re.MULTILINE))
    assert used - declared == set()
    identity_settings = {name for name in declared if re.match(r"CIVIC_(SPID|CIE|IDENTITY|DEMO|ENV)", name)}
    assert identity_settings - table == set()


# --- the commands -----------------------------------------------------------------------------------------


def test_fetch_idps_keeps_the_registry_and_refuses_what_is_not_metadata(app, runner, tmp_path, metadata_dir):
    app.config["CIVIC_IDENTITY_METADATA_DIR"] = str(tmp_path / "idps")
    source = (metadata_dir / "spid" / "test-idp.xml").as_uri()
    result = runner.invoke(args=["spid", "fetch-idps", "--spid-source", source, "--cie-source", source])
    assert result.exit_code == 0, result.output
    assert "SPID: 1 identity providers" in result.output
    assert (tmp_path / "idps" / "spid" / "registry.xml").read_bytes() == (metadata_dir / "spid" /
                                                                           "test-idp.xml").read_bytes()
    assert (tmp_path / "idps" / "cie" / "cie.xml").exists()
    junk = tmp_path / "junk.xml"
    junk.write_text("<html><body>maintenance</body></html>")
    result = runner.invoke(args=["spid", "fetch-idps", "--spid-source", junk.as_uri(), "--no-cie"])
    assert result.exit_code != 0 and "not SAML metadata" in result.output
    assert (tmp_path / "idps" / "spid" / "registry.xml").read_bytes().startswith(b"<")  # the old one stays


def test_keygen_makes_an_agid_shaped_key_pair_and_never_overwrites(app, runner, tmp_path):
    tool = ROOT / ".venv-spid-sp-test" / "bin" / "spid-compliant-certificates"
    if not tool.exists():
        if IN_CI:
            pytest.fail("spid-compliant-certificates is required under CI")
        pytest.skip("spid-compliant-certificates not installed (`make spid-tools`)")
    app.config.update(CIVIC_SPID_KEY_FILE=str(tmp_path / "key.pem"), CIVIC_SPID_IPA_CODE="c_f965",
                      CIVIC_SPID_CERT_FILE=str(tmp_path / "crt.pem"),
                      CIVIC_SPID_ORGANIZATION_NAME="Comune di Novi Ligure")
    arguments = ["spid", "keygen", "--offline", "--locality", "Novi Ligure", "--days", "30",
                 "--key-size", "2048", "--tool", str(tool)]
    result = runner.invoke(args=arguments)
    assert result.exit_code == 0, result.output
    certificate = x509.load_pem_x509_certificate((tmp_path / "crt.pem").read_bytes())
    subject = certificate.subject.rfc4514_string()
    assert "PA:IT-c_f965" in subject and "O=Comune di Novi Ligure" in subject
    policies = certificate.extensions.get_extension_for_class(x509.CertificatePolicies).value
    assert "1.3.76.16.4.2.1" in {policy.policy_identifier.dotted_string for policy in policies}  # cert_SP_Pub
    again = runner.invoke(args=arguments)
    assert again.exit_code != 0 and "exists" in again.output



STARTS_WITHOUT_PYSAML2 = """
import json, sys
from civic import create_app
app = create_app(json.loads(sys.argv[1]))
assert "saml2" not in sys.modules, "pysaml2 was loaded with the app"
with app.test_request_context("/account/login"):
    choices = app.jinja_env.globals["sign_in_choices"]()
print(json.dumps({"loaded": "saml2" in sys.modules,
                  "spid": len(choices["spid"]), "cie": len(choices["cie"])}))
"""


def test_a_server_process_starts_without_pysaml2_and_loads_it_at_the_first_sign_in(database_url,
                                                                                    metadata_dir):
    """pysaml2 loads its XML schemas as it is imported: every server process, command and worker that
    never signs anyone in is spared that time and memory, and the first sign-in page loads it."""
    config = {**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, **identity_config(metadata_dir)}
    started = subprocess.run([sys.executable, "-c", STARTS_WITHOUT_PYSAML2, json.dumps(config)], cwd=ROOT,
                             env=os.environ, capture_output=True, text=True, timeout=120)
    assert started.returncode == 0, started.stderr[-2000:]
    assert json.loads(started.stdout.splitlines()[-1]) == {"loaded": True, "spid": 1, "cie": 1}
