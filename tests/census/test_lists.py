"""Loading residents lists: only keyed hashes are kept, the old list answers until the new one is in, bad
files change nothing, and the command line does the same as the page."""
from __future__ import annotations

import random

import pytest
from codicefiscale import codicefiscale
from sqlalchemy import func, select

from civic.census import keys, queries, services
from civic.census.models import CensusEntry, CensusList
from civic.database import db
from civic.identity import subjects
from civic.identity.demo_idp.residents import RESIDENTS
from tests.census.support import lines, load
from tests.factories import make_body

GIULIA, MARCO, ANNA = RESIDENTS


def test_the_fast_check_character_agrees_with_python_codicefiscale():
    rng = random.Random(7)
    codes = [r.fiscal_code for r in RESIDENTS]
    for _ in range(300):
        code = codicefiscale.encode(lastname=rng.choice(["Rossi", "Bianchi", "Demo", "Prova"]),
                                    firstname=rng.choice(["Anna", "Luca", "Ugo", "Ida"]),
                                    gender=rng.choice("MF"),
                                    birthdate=f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/"
                                              f"{rng.randint(1930, 2008)}", birthplace="Novi Ligure")
        codes.append(code)
    for code in codes:
        assert keys.fiscal_code(code.lower()) == code
        wrong = code[:15] + ("A" if code[15] != "A" else "B")
        assert keys.fiscal_code(wrong) is None
        assert codicefiscale.is_valid(wrong) is False


def test_a_list_keeps_keyed_hashes_only_and_matches_the_identity_subject(app_ctx):
    body = make_body("novi", "Comune di Novi Ligure")
    loaded = load(body, GIULIA, ANNA, GIULIA)  # a repeated row counts once
    assert (loaded.rows, loaded.people) == (3, 2)
    stored = db.session.execute(select(CensusEntry.person, CensusEntry.born)).all()
    dump = repr(stored)
    for resident in (GIULIA, ANNA):
        assert resident.fiscal_code not in dump and resident.date_of_birth not in dump
    key_id, key = keys.current()
    assert loaded.census.key_id == key_id
    person = keys.person(key, subjects.subject(GIULIA.fiscal_code))
    assert db.session.scalar(queries.entry(loaded.census.id, person)) is not None


def test_a_new_list_replaces_the_old_one_only_when_it_is_all_in(app_ctx):
    body = make_body("novi", "Comune di Novi Ligure")
    first = load(body, GIULIA, ANNA).census.id
    bad = lines(MARCO) + ["NOTAFISCALCODE00,1972-09-03\n", f"{GIULIA.fiscal_code},31/02/1985\n"]
    with pytest.raises(services.CensusError) as refused:
        services.load(None, body, bad)
    db.session.rollback()
    assert "2 " in refused.value.message and "3, 4" in refused.value.message
    assert GIULIA.fiscal_code not in refused.value.message
    assert db.session.scalar(queries.active_list(body.id)).id == first
    assert db.session.scalar(select(func.count()).select_from(CensusEntry)) == 2
    second = load(body, MARCO).census
    assert db.session.scalars(select(CensusList.id)).all() == [second.id]
    assert db.session.scalar(select(func.count()).select_from(CensusEntry)) == 1


def test_the_command_loads_semicolon_lists_and_rekey_moves_a_list_to_the_new_key(app, runner, tmp_path):
    with app.app_context():
        make_body("novi", "Comune di Novi Ligure")
    path = tmp_path / "anagrafe.csv"
    path.write_text("".join(lines(GIULIA, ANNA, separator=";")))
    result = runner.invoke(args=["census", "load", "novi", str(path), "--allow-declared"])
    assert result.exit_code == 0, result.output
    assert "novi: 2 people" in result.output and GIULIA.fiscal_code not in result.output
    with app.app_context():
        old_key = db.session.scalar(select(CensusList.key_id))
    app.config.update(CIVIC_CENSUS_KEY="a new census key for this test", CIVIC_CENSUS_OLD_KEYS=())
    try:
        status = runner.invoke(args=["census", "status"])
        assert "old key" in status.output
        result = runner.invoke(args=["census", "rekey", "novi", str(path)])
        assert result.exit_code == 0, result.output
        with app.app_context():
            census = db.session.scalar(select(CensusList))
            assert census.key_id != old_key and census.allows_declared
        assert "old key" not in runner.invoke(args=["census", "status"]).output
    finally:
        app.config.update(CIVIC_CENSUS_KEY=None)


def test_a_bad_file_through_the_command_changes_nothing(app, runner, tmp_path):
    with app.app_context():
        make_body("novi", "Comune di Novi Ligure")
    path = tmp_path / "anagrafe.csv"
    path.write_text("nome,cognome\nGiulia,Demolini\n")
    result = runner.invoke(args=["census", "load", "novi", str(path)])
    assert result.exit_code != 0 and "codice_fiscale" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CensusList)) == 0
