"""HTTP caching: anonymous public pages carry validators and answer conditional requests with 304 until the
data behind them changes; logged-in pages are never stored; static files have fingerprinted addresses kept
for a year, and the plain addresses are revalidated."""
from __future__ import annotations

import re

import pytest
from werkzeug.http import http_date

from civic.core.assets import YEAR, Fingerprints
from civic.database import db
from civic.motions.models import Motion
from tests.factories import PASSWORD, make_body, make_user
from tests.motions.factories import make_motion

STATIC = re.compile(r'(?:href|src)="(/static/[^"#]+)"')


@pytest.fixture
def motion_id(app):
    with app.app_context():
        make_user("giulia@example.org", name="Giulia Parodi")
        return make_motion(make_body(), title="Spazi di coworking nei municipi").id


def test_an_anonymous_page_is_revalidated_with_a_304_until_the_data_changes(app, client, motion_id):
    first = client.get(f"/motions/{motion_id}")
    assert first.status_code == 200
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert {"public", "no-cache"} <= {part.strip() for part in first.headers["Cache-Control"].split(",")}

    again = client.get(f"/motions/{motion_id}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag
    by_date = client.get(f"/motions/{motion_id}", headers={"If-Modified-Since": modified})
    assert by_date.status_code == 304
    # A copy from before the page was rendered is stale.
    older = client.get(f"/motions/{motion_id}", headers={"If-Modified-Since": http_date(0)})
    assert older.status_code == 200 and older.headers["ETag"] == etag

    with app.app_context():
        db.session.get(Motion, motion_id).title = "Coworking diffuso nei quartieri"
        db.session.commit()
    changed = client.get(f"/motions/{motion_id}", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert "Coworking diffuso nei quartieri" in changed.get_data(as_text=True)
    assert changed.headers["ETag"] != etag


def test_each_language_has_its_own_validator(client, motion_id):
    italian = client.get("/motions/")
    client.get("/?lang=en")  # remembered in the session (its cookie: shared caches vary on it)
    english = client.get("/motions/")
    assert 'lang="en"' in english.get_data(as_text=True)
    assert english.headers["Vary"] == "Cookie"
    assert italian.headers["ETag"] != english.headers["ETag"]
    assert client.get("/motions/", headers={"If-None-Match": italian.headers["ETag"]}).status_code == 200


def test_a_logged_in_page_has_no_validator_and_is_never_stored(client, auth, motion_id):
    anonymous = client.get(f"/motions/{motion_id}")
    auth.login("giulia@example.org", PASSWORD)
    mine = client.get(f"/motions/{motion_id}", headers={"If-None-Match": anonymous.headers["ETag"]})
    assert mine.status_code == 200
    assert "ETag" not in mine.headers and "Last-Modified" not in mine.headers
    assert mine.headers["Cache-Control"] == "no-store"


def test_a_page_with_a_form_token_is_not_marked_cacheable(client):
    login = client.get("/account/login")
    assert login.status_code == 200
    assert "ETag" not in login.headers
    assert "public" not in login.headers.get("Cache-Control", "")


def test_static_files_have_fingerprinted_addresses_kept_for_a_year(client, motion_id):
    page = client.get("/").get_data(as_text=True)
    addresses = set(STATIC.findall(page))
    assert any(address.endswith(".css") for address in addresses)
    assert any("bootstrap-italia.min." in address and address.endswith(".js") for address in addresses)
    # The smaller script of the design kit, not the 1 MB bundle.
    assert not any("bundle" in address for address in addresses)
    for address in addresses:
        assert re.search(r"\.[0-9a-f]{12}\.\w+$", address), address
        answer = client.get(address)
        assert answer.status_code == 200, address
        assert answer.headers["Cache-Control"] == f"public, max-age={YEAR}, immutable"
        answer.close()

    stylesheet = next(address for address in addresses if "/css/civic." in address)
    plain = client.get("/static/css/civic.css")
    assert plain.status_code == 200 and plain.headers["Cache-Control"] == "no-cache"
    assert plain.get_data() == client.get(stylesheet).get_data()
    # A fingerprint that is not the file's: never another content under an address promised immutable.
    wrong = re.sub(r"\.[0-9a-f]{12}\.css$", ".0123456789ab.css", stylesheet)
    assert client.get(wrong).status_code == 404


def test_a_changed_file_gets_a_new_address_and_the_old_one_stops(tmp_path):
    (tmp_path / "css").mkdir()
    style = tmp_path / "css" / "site.css"
    style.write_text("body { color: black }")
    fingerprints = Fingerprints(str(tmp_path))
    before = fingerprints.address("css/site.css")
    assert re.fullmatch(r"css/site\.[0-9a-f]{12}\.css", before)
    assert fingerprints.original(before) == "css/site.css"
    style.write_text("body { color: darkblue }")
    after = fingerprints.address("css/site.css")
    assert after != before
    assert fingerprints.original(after) == "css/site.css" and fingerprints.original(before) is None
    # Folders, missing files and names without a suffix keep their plain address.
    assert fingerprints.address("css") == "css"
    assert fingerprints.address("css/missing.css") == "css/missing.css"
    assert fingerprints.original("../etc/passwd.0123456789ab.txt") is None
