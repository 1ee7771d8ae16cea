"""Who a signed-in citizen is, shared by the server processes of a machine (civic/core/shelf.py, sealed with
their own login session by civic/accounts/sealed.py): the server hands a person's next request to any of its
processes, and the one that has not met them yet finds them there instead of asking the database. Yet the
shelf holds nothing readable without the session cookie, a sign-out or a role reaches every process at once,
and a shelf that is damaged or cannot be written costs a statement, never an error."""
from __future__ import annotations

import datetime as dt
import logging
import os
import time

from sqlalchemy import literal, select

from civic.accounts import people
from civic.accounts import services as accounts
from civic.accounts.models import AuthSession
from civic.accounts.sealed import Sealer, plain
from civic.bodies.models import Body
from civic.census.models import Method, Verification
from civic.core.shelf import FileShelf
from civic.database import db, utcnow
from tests.accounts import test_people_kept
from tests.core.test_personal_slots import _ACCOUNT, _get, _signed_in
from tests.support.people import forget_people

ANNA = "anna@example.org"
MANAGE = 'href="/manage/"'
town = test_people_kept.town  # Anna, an administrator, a body
_user = test_people_kept._user


def _shelf(app) -> FileShelf:
    return app.extensions["civic_page_cache"].shelf


def _entries(app) -> list[os.DirEntry]:
    return list(os.scandir(_shelf(app).path))


def test_a_person_met_by_one_process_costs_another_process_no_statement(app, town, count_queries):
    anna = _signed_in(app, ANNA)
    _get(anna, "/")  # met by this process, and shelved
    forget_people(app, shelf=False)  # another worker process of this machine
    with count_queries() as counter:
        html = _get(anna, "/")
    assert counter.count == 0, counter.statements
    assert _ACCOUNT.search(html).group(1) == "Anna Rossi"


def test_without_the_session_cookie_the_shelf_tells_nothing_about_whom_it_holds(app, town):
    anna = _signed_in(app, ANNA)
    _get(anna, "/")
    (entry,) = _entries(app)
    sealed = open(entry.path, "rb").read()
    for secret in ("Anna", "Rossi", ANNA):
        assert secret.encode() not in sealed
    with app.app_context():
        digest = db.session.scalar(select(AuthSession.token_hash))  # what the database keeps of her session
    assert digest not in entry.name and digest.encode() not in sealed
    assert entry.stat().st_mode & 0o777 == 0o600
    with anna.session_transaction() as session:
        token = session["_user_id"]  # her login session's token, in her cookie only
    with app.test_request_context():
        assert Sealer("a session token that is not hers").open(_shelf(app).get(entry.name)) is None
        assert Sealer(token).open(_shelf(app).get(entry.name))["person"][1] == "Anna Rossi"


def test_a_sign_out_elsewhere_and_a_role_granted_reach_the_other_processes(app, town):
    anna = _signed_in(app, ANNA)
    _get(anna, "/")
    with app.app_context():
        accounts.grant_councillor(_user("admin@example.org"), _user(ANNA),
                                  db.session.get(Body, town["body_id"]))
        db.session.commit()
    forget_people(app, shelf=False)
    assert MANAGE in anna.get("/").get_data(as_text=True)  # the shelved citizen was of another generation
    with app.app_context():
        accounts.end_all_sessions(_user(ANNA))
        db.session.commit()
    forget_people(app, shelf=False)
    assert _ACCOUNT.search(anna.get("/").get_data(as_text=True)).group(1) == "Accedi"


def test_a_changed_entry_is_read_again_from_the_database(app, town, count_queries):
    anna = _signed_in(app, ANNA)
    _get(anna, "/")
    (entry,) = _entries(app)
    sealed = bytearray(open(entry.path, "rb").read())
    sealed[-1] ^= 1
    with open(entry.path, "wb") as out:
        out.write(sealed)
    forget_people(app, shelf=False)
    with count_queries() as counter:
        html = _get(anna, "/")
    assert _ACCOUNT.search(html).group(1) == "Anna Rossi"
    assert [statement for statement in counter.statements if "auth_sessions" in statement], counter.statements


def test_a_shelf_that_cannot_be_written_costs_a_statement_not_an_error(app, town, count_queries, tmp_path,
                                                                       monkeypatch, caplog):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    monkeypatch.setattr(_shelf(app), "path", str(blocked))
    monkeypatch.setattr(_shelf(app), "_warned", False)
    anna = _signed_in(app, ANNA)
    _get(anna, "/")  # the shared page made and kept
    with caplog.at_level(logging.WARNING, logger="civic.core.shelf"):
        for _ in range(2):
            forget_people(app, shelf=False)
            with count_queries() as counter:
                html = _get(anna, "/")
            assert _ACCOUNT.search(html).group(1) == "Anna Rossi"
            assert counter.count == 1, counter.statements  # who she is, from the database
    assert len([r for r in caplog.records if "could not keep" in r.getMessage()]) == 1  # said once
    assert blocked.read_text() == ""


def test_what_a_process_learns_later_is_shared_too(app, town, count_queries):
    """A verified resident's bodies are read the first time a rule asks (not with who they are): the process
    that reads them puts them on the shelf, and the next process asks the database for nothing."""
    with app.app_context():
        anna = _user(ANNA)
        now = utcnow()
        db.session.add(Verification(user_id=anna.id, body_id=town["body_id"], method=Method.IDENTITY, level=2,
                                    verified_at=now - dt.timedelta(days=1),
                                    expires_at=now + dt.timedelta(days=30)))
        db.session.commit()
        token = accounts.start_session(anna)
        db.session.commit()
    with app.test_request_context():
        first = people.known(token)
        with count_queries() as counter:
            bodies = first.fact("residence")[1]
        assert [body for body, _until in bodies] == [town["body_id"]] and counter.count == 1
    forget_people(app, shelf=False)
    with app.test_request_context(), count_queries() as counter:
        second = people.known(token)
        assert second.fact("residence") == first.fact("residence")
        assert second is not first and second.display_name == "Anna Rossi"
    assert counter.count == 0, counter.statements
    with app.test_request_context():
        (entry,) = _entries(app)
        assert Sealer(token).open(_shelf(app).get(entry.name))["person"][1] == "Anna Rossi"


def test_entries_older_than_the_longest_a_value_lasts_are_swept(tmp_path):
    shelf = FileShelf(str(tmp_path / "shelf"), longest=3600)
    shelf.put("old", b"sealed", 60)
    shelf.put("new", b"sealed", 60)
    partial = tmp_path / "shelf" / "left.123.456.partial"  # left by an earlier release, which renamed
    partial.write_bytes(b"half")
    two_hours_ago = time.time() - 7200
    for name in ("old", "left.123.456.partial"):
        os.utime(tmp_path / "shelf" / name, (two_hours_ago, two_hours_ago))
    assert shelf.get("old") is None  # past the hour: not read, even before a sweep
    assert shelf.sweep() == 2
    assert sorted(os.listdir(tmp_path / "shelf")) == ["new"]
    assert shelf.get("new") == b"sealed" and shelf.get("old") is None


def test_a_value_is_written_over_the_last_in_place_and_a_torn_one_is_not_read(tmp_path):
    """Each value overwrites the file in place with its length first (a truncation or a new file costs a
    page's worth of CPU on a file system that discards freed blocks): a shorter value over a longer one
    reads back exactly, and a file cut short or written by two processes at once is a miss, never an error."""
    shelf = FileShelf(str(tmp_path / "shelf"), longest=3600)
    shelf.put("anna", b"a longer sealed value", 60)
    inode = os.stat(tmp_path / "shelf" / "anna").st_ino
    shelf.put("anna", b"short", 60)
    assert shelf.get("anna") == b"short"
    assert os.stat(tmp_path / "shelf" / "anna").st_ino == inode  # the same file, not a new one
    assert os.stat(tmp_path / "shelf" / "anna").st_mode & 0o777 == 0o600
    path = tmp_path / "shelf" / "anna"
    path.write_bytes(path.read_bytes()[:6])  # the length says five bytes, two are there
    assert shelf.get("anna") is None
    path.write_bytes(b"\x00")
    assert shelf.get("anna") is None and shelf.get("nobody") is None


def test_only_plain_values_go_on_the_shelf_and_come_back_the_same(app):
    """A value that would come back as something else (an enum as its string, a database row as a bare
    tuple) stays with each process."""
    when = utcnow()
    value = {("fact", "residence"): ("a subject", ((7, when),)), ("count", "inbox"): 3,
             ("fact", "follows"): frozenset({("motion", 4)}), ("fact", "none"): None}
    with app.test_request_context():
        sealer = Sealer("a session token")
        assert sealer.open(sealer.seal(value)) == value
        with app.app_context():
            row = db.session.execute(select(literal(1), literal("text"))).first()
    assert plain(value) and not plain(row) and not plain(Method.IDENTITY)
