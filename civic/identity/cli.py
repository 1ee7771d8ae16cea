"""`flask --app civic spid keygen` (the service provider's key pair, AgID-shaped, with AgID's own
spid-compliant-certificates) and `flask --app civic spid fetch-idps` (the identity providers' metadata, at
deploy time; tests never fetch anything)."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import urllib.request
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from lxml import etree

from civic.identity import settings
from civic.identity.models import Provider
from civic.identity.protocol import xmlsec_binary

spid_cli = AppGroup("spid", help="SPID and CIE sign-in: key pair and identity providers.")

ROOT = Path(__file__).resolve().parents[2]
# spid-compliant-certificates pins old versions of common packages, so it lives in its own environment: on
# the PATH (e.g. pipx), or the tool environment `make test` creates in the checkout.
TOOL = "spid-compliant-certificates"
TOOL_VENV = ROOT / ".venv-spid-sp-test"
OFFLINE = Path(__file__).with_name("keygen_offline.py")
SPID_REGISTRY = "https://registry.spid.gov.it/metadata/idp/spid-entities-idps.xml"
CIE_METADATA = "https://idserver.servizicie.interno.gov.it/idp/shibboleth?Metadata"
MD = "urn:oasis:names:tc:SAML:2.0:metadata"


def find_tool(path: str | None = None) -> str:
    """The spid-compliant-certificates command."""
    found = path or shutil.which(TOOL) or shutil.which(TOOL, path=str(TOOL_VENV / "bin"))
    if not found:
        raise click.ClickException(f"{TOOL} not found: `make spid-tools` installs it into {TOOL_VENV}, or "
                                   f"`pipx install {TOOL}`, or give --tool PATH")
    return found


@spid_cli.command("keygen")
@click.option("--locality", required=True, help="Where the body is (the certificate's L), e.g. Novi Ligure.")
@click.option("--common-name", help="The certificate's CN (default: the organisation's display name).")
@click.option("--days", default=730, show_default=True, type=click.IntRange(1, 3650))
@click.option("--key-size", default="3072", show_default=True, type=click.Choice(["2048", "3072", "4096"]))
@click.option("--offline", is_flag=True,
              help="Skip only the online check of the IPA code on IndicePA (development and tests).")
@click.option("--tool", "tool_path", help=f"Path of the {TOOL} command.")
def keygen(locality: str, common_name: str | None, days: int, key_size: str, offline: bool,
           tool_path: str | None):
    """Create the service provider's key and self-signed certificate for a public body (Avviso SPID n. 29 v3)
    at CIVIC_SPID_KEY_FILE and CIVIC_SPID_CERT_FILE; an existing key is never overwritten."""
    config = current_app.config
    key_file, cert_file = Path(config["CIVIC_SPID_KEY_FILE"]), Path(config["CIVIC_SPID_CERT_FILE"])
    if key_file.exists():
        raise click.ClickException(f"{key_file} exists: move it away first to make a new key pair")
    tool = find_tool(tool_path)
    name = settings.value("CIVIC_SPID_ORGANIZATION_NAME")
    options = ["--sector", "public", "--key-size", key_size, "--md-alg", "sha256", "--days", str(days),
               "--common-name", common_name or config.get("CIVIC_SPID_ORGANIZATION_DISPLAY_NAME") or name,
               "--entity-id", settings.Endpoints.of(Provider.SPID).entity_id, "--locality-name", locality,
               "--org-id", "PA:IT-" + settings.value("CIVIC_SPID_IPA_CODE"), "--org-name", name]
    with tempfile.TemporaryDirectory() as folder:
        made = {part: Path(folder) / f"{part}.pem" for part in ("key", "csr", "crt")}
        outputs = [item for part in ("key", "csr", "crt") for item in (f"--{part}-out", str(made[part]))]
        if offline:
            python = Path(os.path.realpath(tool)).with_name("python")
            command = [str(python), str(OFFLINE), *options, *outputs]
        else:
            command = [tool, "generator", *options, *outputs]
        result = subprocess.run(command, capture_output=True, text=True, timeout=300)
        if result.returncode != 0 or not made["crt"].exists():
            raise click.ClickException(f"{TOOL} failed:\n{(result.stderr or result.stdout)[-2000:]}")
        key_file.parent.mkdir(parents=True, exist_ok=True)
        cert_file.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(made["key"], key_file)
        os.chmod(key_file, 0o600)
        shutil.move(made["crt"], cert_file)
        shutil.move(made["csr"], cert_file.with_name(cert_file.stem + "-csr.pem"))
    click.echo(f"key: {key_file}\ncertificate: {cert_file}")
    click.echo("Publish the metadata (/spid/metadata, /cie/metadata) to AgID and to the Ministry of the "
               "Interior after any change of key.")


def _identity_providers(document: bytes, source: str) -> int:
    """How many identity providers a metadata document describes; ClickException when it is not one."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(document, parser)
    except etree.XMLSyntaxError as error:
        raise click.ClickException(f"{source}: not XML ({error})") from error
    if root.tag not in (f"{{{MD}}}EntitiesDescriptor", f"{{{MD}}}EntityDescriptor"):
        raise click.ClickException(f"{source}: not SAML metadata")
    count = len(root.xpath("//md:IDPSSODescriptor", namespaces={"md": MD}))
    if count == 0:
        raise click.ClickException(f"{source}: no identity provider in it")
    return count


def _verify(path: Path, certificate: str, root_tag: str) -> None:
    result = subprocess.run([xmlsec_binary(), "--verify", "--pubkey-cert-pem", certificate, "--id-attr:ID",
                             f"{MD}:{root_tag}", str(path)], capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise click.ClickException(f"the signature of {path.name} does not verify with {certificate}")


def _fetch(source: str, folder: Path, name: str, certificate: str | None) -> int:
    with urllib.request.urlopen(source, timeout=60) as answer:  # noqa: S310  (an operator's https or file URL)
        document = answer.read()
    count = _identity_providers(document, source)
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, suffix=".part")
    with os.fdopen(handle, "wb") as out:
        out.write(document)
    try:
        if certificate:
            tag = etree.fromstring(document, etree.XMLParser(resolve_entities=False)).tag.split("}")[1]
            _verify(Path(temporary), certificate, tag)
    except click.ClickException:
        os.unlink(temporary)
        raise
    # Replaced whole: a running server never reads half a file.
    os.replace(temporary, folder / name)
    return count


@spid_cli.command("fetch-idps")
@click.option("--spid-source", default=SPID_REGISTRY, show_default=True,
              help="AgID's registry of SPID identity providers (one signed document).")
@click.option("--cie-source", default=CIE_METADATA, show_default=True,
              help="The Ministry of the Interior's CIE identity provider metadata.")
@click.option("--spid-certificate", help="Verify the SPID document's signature with this PEM certificate.")
@click.option("--no-cie", is_flag=True, help="Fetch only the SPID identity providers.")
def fetch_idps(spid_source: str, cie_source: str, spid_certificate: str | None, no_cie: bool):
    """Fetch the identity providers' metadata into CIVIC_IDENTITY_METADATA_DIR (spid/ and cie/), at deploy
    time and then periodically (Civic reads a replaced file at the next sign-in)."""
    folder = Path(current_app.config["CIVIC_IDENTITY_METADATA_DIR"])
    count = _fetch(spid_source, folder / "spid", "registry.xml", spid_certificate)
    click.echo(f"SPID: {count} identity providers in {folder / 'spid' / 'registry.xml'}")
    if not no_cie:
        count = _fetch(cie_source, folder / "cie", "cie.xml", None)
        click.echo(f"CIE: {count} identity provider(s) in {folder / 'cie' / 'cie.xml'}")
