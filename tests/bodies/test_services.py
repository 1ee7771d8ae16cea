"""Creating a body (civic.bodies.services): validated, stored, audited; a taken short name is refused with the
form's message, also when another administrator takes it between the check and the insert."""
from __future__ import annotations

import pytest
from sqlalchemy import event, insert, select

from civic.audit.models import AuditEntry
from civic.bodies.models import Body
from civic.bodies.services import BodyError, create_body
from civic.database import db
from tests.factories import make_body, make_user

TAKEN = "Questo nome breve è già usato da un altro ente."


def bodies() -> list[tuple[str, str]]:
    db.session.rollback()
    return [tuple(row) for row in db.session.execute(select(Body.slug, Body.name).order_by(Body.id))]


def audit() -> list[tuple[str, str]]:
    return [tuple(row) for row in db.session.execute(select(AuditEntry.action, AuditEntry.summary))]


def test_a_body_inside_another_is_stored_and_audited(app_ctx):
    genova = make_body("comune-di-genova", "Comune di Genova")
    admin = make_user(admin=True)
    body = create_body(admin, "  Municipio I Centro Est ", "municipio-i-centro-est", data_licence="CC0-1.0",
                       parent_id=genova.id, website="https://www.comune.genova.it")
    db.session.commit()
    assert body.full_name == "Municipio I Centro Est (Comune di Genova)"
    assert (body.website, body.data_licence) == ("https://www.comune.genova.it", "CC0-1.0")
    assert audit() == [("body.create", "Municipio I Centro Est")]


def test_a_blank_name_is_refused_next_to_the_name(app_ctx):
    with pytest.raises(BodyError) as refused:
        create_body(make_user(admin=True), "   ", "senza-nome", data_licence="CC-BY-4.0")
    assert (refused.value.field, str(refused.value)) == ("name", "Inserisci il nome.")
    assert bodies() == [] and audit() == []


def test_a_taken_short_name_is_refused_next_to_the_short_name(app_ctx):
    make_body("comune-di-novi-ligure", "Comune di Novi Ligure")
    with pytest.raises(BodyError) as refused:
        create_body(make_user(admin=True), "Un altro", "comune-di-novi-ligure", data_licence="CC-BY-4.0")
    assert (refused.value.field, str(refused.value)) == ("slug", TAKEN)
    assert bodies() == [("comune-di-novi-ligure", "Comune di Novi Ligure")] and audit() == []


def test_a_short_name_taken_by_someone_else_after_the_check_is_refused_too(app_ctx):
    """Another administrator's body is committed (through a connection of its own) after the check found the
    short name free and before this one is written: the unique index refuses it, with the same message."""
    admin = make_user(admin=True)

    def rival_commits_first(*_args):
        with db.engine.begin() as rival:
            rival.execute(insert(Body).values(slug="municipio-i", name="Municipio I (prima)"))

    session = db.session()
    event.listen(session, "before_flush", rival_commits_first, once=True)
    try:
        with pytest.raises(BodyError) as refused:
            create_body(admin, "Municipio I (seconda)", "municipio-i", data_licence="CC-BY-4.0")
    finally:
        if event.contains(session, "before_flush", rival_commits_first):
            event.remove(session, "before_flush", rival_commits_first)
    assert (refused.value.field, str(refused.value)) == ("slug", TAKEN)
    assert bodies() == [("municipio-i", "Municipio I (prima)")] and audit() == []
