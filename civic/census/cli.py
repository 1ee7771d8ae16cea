"""`flask --app civic census load BODY FILE` (a body's residents list, replacing the old one only once the
new one is all in), `census rekey BODY FILE` (the same, to move a list made with a retired key to the current
one) and `census status`. Fiscal codes are never printed."""
from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from civic.bodies import queries as body_queries
from civic.census import keys, queries, services
from civic.database import db

census_cli = AppGroup("census", help="Residents lists (anagrafe) for census verification.")


def _body(slug: str):
    body = db.session.scalar(body_queries.body_by_slug(slug))
    if body is None:
        raise click.ClickException(f"no body with short name {slug!r}")
    return body


def _load(slug: str, path: str, covers_parent: bool | None, allow_declared: bool | None) -> None:
    body = _body(slug)
    old = db.session.scalar(queries.active_list(body.id))
    if covers_parent is None:
        covers_parent = bool(old and old.covers_parent)
    if allow_declared is None:
        allow_declared = bool(old and old.allows_declared)
    started = time.perf_counter()
    with open(path, encoding="utf-8-sig", newline="") as handle:
        try:
            loaded = services.load(None, body, handle, covers_parent=covers_parent,
                                   allows_declared=allow_declared)
        except (services.CensusError, UnicodeDecodeError) as error:
            db.session.rollback()
            raise click.ClickException(getattr(error, "message", "the file is not UTF-8 text")) from error
    db.session.commit()
    click.echo(f"{body.slug}: {loaded.people} people ({loaded.rows} rows) under key {loaded.census.key_id} "
               f"in {time.perf_counter() - started:.1f} s")


@census_cli.command("load")
@click.argument("body")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--covers-parent/--no-covers-parent", default=None,
              help="Its residents are residents of the body above it too (default: as the old list).")
@click.option("--allow-declared/--no-allow-declared", default=None,
              help="Allow the typed-in check of fiscal code and birth date (default: as the old list).")
def load_command(body: str, path: str, covers_parent, allow_declared) -> None:
    """Load BODY's residents list from PATH (CSV: codice_fiscale[,data_nascita])."""
    _load(body, path, covers_parent, allow_declared)


@census_cli.command("rekey")
@click.argument("body")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def rekey_command(body: str, path: str) -> None:
    """Load BODY's list again from PATH under the current CIVIC_CENSUS_KEY: a keyed hash cannot be turned
    into another key's without the fiscal codes, so moving to a new key reads the list once more. Keep the
    old key in CIVIC_CENSUS_OLD_KEYS until every list shows the new key (`census status`)."""
    _load(body, path, None, None)


@census_cli.command("status")
def status_command() -> None:
    """Every list in use, its size and key (and whether it still needs loading under the current key)."""
    current_id, _key = keys.current()
    for census in db.session.scalars(queries.active_lists()):
        mark = "" if census.key_id == current_id else "  (old key: census rekey)"
        click.echo(f"{census.body.slug}: {census.people} people, key {census.key_id}{mark}")
