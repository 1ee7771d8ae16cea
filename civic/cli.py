"""Command line: `flask --app civic users create`, `demo load`, `outbox deliver`, `outbox retry`, and for
operators `check`, `backup`, `restore` and `periodic`. Features add their own commands through their
declaration (civic/core/features.py)."""
from __future__ import annotations

import secrets
import sys
import time
from pathlib import Path

import click
from email_validator import EmailNotValidError, validate_email
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_babel import force_locale

from civic import demo
from civic.accounts import passwords
from civic.accounts import services as account_services
from civic.bodies import queries as body_queries
from civic.core import backup, check, features, pagecache
from civic.database import db
from civic.outbox import queries as outbox_queries
from civic.outbox import services as outbox_services

users_cli = AppGroup("users", help="Manage accounts.")
demo_cli = AppGroup("demo", help="Demo data.")
outbox_cli = AppGroup("outbox", help="The e-mail outbox.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["citizen", "councillor", "admin"]), default="citizen",
              show_default=True)
@click.option("--body", "body_slug", help="Slug of the body, required for councillors.")
@click.option("--name", "display_name", help="Name shown to others (default: the part before @).")
@click.option("--password", envvar="CIVIC_NEW_PASSWORD", help="Default: a random one, printed once.")
def create_user(email: str, role: str, body_slug: str | None, display_name: str | None, password: str | None):
    """Create a confirmed account with a role."""
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        raise click.UsageError(f"not a valid e-mail address: {error}") from error
    body = None
    if role == "councillor":
        if not body_slug:
            raise click.UsageError("a councillor belongs to a body: add --body SLUG")
        body = db.session.scalar(body_queries.body_by_slug(body_slug))
        if body is None:
            raise click.UsageError(f"no body with slug {body_slug!r}")
    generated = password is None
    shortest, longest = passwords.MIN_LENGTH, passwords.MAX_LENGTH
    # As many random bytes as the shortest length allows characters: the text is a third longer.
    password = password or secrets.token_urlsafe(shortest)
    if not shortest <= len(password) <= longest:
        raise click.UsageError(f"the password must be between {shortest} and {longest} characters long")
    with force_locale("en"):
        problem = passwords.refusal(password, email=email, name=display_name or email.split("@")[0])
    if problem:
        raise click.UsageError(problem)
    try:
        user = account_services.create_user(email, display_name or email.split("@")[0], password)
    except account_services.AccountError as error:
        raise click.ClickException(str(error)) from error
    if role == "admin":
        account_services.set_admin(None, user, True)
    elif body is not None:
        account_services.grant_councillor(None, user, body)
    db.session.commit()
    click.echo(f"created {user.email} ({role}{' of ' + body.slug if body else ''})")
    if generated:
        click.echo(f"password (shown once): {password}")


@demo_cli.command("load")
def load_demo():
    """Create the demo bodies, accounts and content. Running it again changes nothing."""
    demo.load(echo=click.echo)
    click.echo("demo data ready")


@outbox_cli.command("deliver")
@click.option("--loop", is_flag=True, help="Keep delivering every few seconds until stopped.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds with --loop.")
@click.option("--periodic/--no-periodic", default=True, show_default=True,
              help="Run the features' periodic work (reminders...) before each round; --no-periodic when a "
                   "timer runs `flask periodic` (deploy/systemd).")
def deliver(loop: bool, interval: float, periodic: bool):
    """Send pending e-mail (over CIVIC_SMTP_URL, or printed here when it is not set)."""
    app: Flask = current_app._get_current_object()
    if not app.config.get("CIVIC_SMTP_URL"):
        click.echo("outbox: CIVIC_SMTP_URL is not set, so messages are printed here instead of sent.")
    while True:
        # The features' periodic work (e.g. meeting reminders), which queues mail for this round.
        for work in features.each("periodic") if periodic else ():
            done = work()
            if done:
                click.echo(f"outbox: {done}")
        counts = outbox_services.deliver_pending()
        if any(counts.values()):
            click.echo(f"outbox: sent {counts['sent']}, to retry {counts['retry']}, "
                       f"failed {counts['failed']}")
        db.session.remove()
        if not loop:
            break
        time.sleep(interval)


@outbox_cli.command("retry")
@click.argument("ids", nargs=-1, type=click.IntRange(min=1))
@click.option("--all-failed", is_flag=True, help="Every failed message.")
def retry(ids: tuple[int, ...], all_failed: bool):
    """Send messages again: the failed ones (--all-failed), or these IDs (failed, stuck or waiting for a
    retry). The next `outbox deliver` round sends them; the audit log records it."""
    if all_failed == bool(ids):
        raise click.UsageError("give the ids of the messages, or --all-failed (not both)")
    if all_failed:
        queued = outbox_services.send_again_all_failed(None)
        db.session.commit()
        click.echo(f"outbox: {len(queued)} failed messages queued to be sent again")
        return
    known = dict(db.session.execute(outbox_queries.statuses(list(ids))).all())
    queued = outbox_services.send_again(None, ids)
    db.session.commit()
    if queued:
        click.echo("outbox: queued to be sent again: " + ", ".join(f"#{n}" for n in queued))
    unknown = sorted(set(ids) - set(known))
    refused = sorted(set(known) - set(queued))
    for message_id in refused:
        click.echo(f"outbox: #{message_id} is {known[message_id]}: left as it is", err=True)
    if unknown:
        click.echo("outbox: no message " + ", ".join(f"#{n}" for n in unknown), err=True)
    if unknown or refused:
        raise click.exceptions.Exit(1)


# The platform's own periodic work, before the features' (civic.core.features.Feature.periodic).
def _reclaim_stuck_mail() -> str | None:
    reclaimed = outbox_services.reclaim_stuck()
    return f"{reclaimed} messages left sending by a stopped worker put back to send" if reclaimed else None


PLATFORM_PERIODIC = (("outbox", _reclaim_stuck_mail),)


@click.command("periodic")
@with_appcontext
def periodic_command():
    """Run the periodic work once: the platform's (stuck e-mail taken back), then each feature's (meeting
    reminders...). Every job is safe to run again and on several machines at once. A systemd timer runs it
    every few minutes (deploy/systemd/civic-periodic.timer). Exits 1 when a job failed, after the others."""
    jobs = [*PLATFORM_PERIODIC,
            *((feature.name, job) for feature in features.installed() for job in feature.periodic)]
    failed = 0
    for name, job in jobs:
        try:
            done = job()
        except Exception:
            db.session.rollback()
            failed += 1
            current_app.logger.exception("periodic: a job of %s failed", name)
            click.echo(f"{name}: FAILED (see the log)", err=True)
            continue
        finally:
            db.session.remove()
        click.echo(f"{name}: {done or 'nothing to do'}")
    if failed:
        sys.exit(1)


@click.command("check")
@with_appcontext
def check_command():
    """Check the settings and the services before starting Civic; exit 1 on any failure."""
    app: Flask = current_app._get_current_object()
    findings = check.run(app, lambda url: outbox_services.SmtpTransport(url, timeout=10))
    for finding in findings:
        click.echo(f"{finding.label:<5} {finding.name}: {finding.message}")
    failures = sum(not finding.ok for finding in findings)
    if failures:
        click.echo(f"{failures} check(s) failed: fix them before starting Civic.", err=True)
        sys.exit(1)
    click.echo("ready to start")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
@with_appcontext
def backup_command(path: Path, force: bool):
    """Write a backup of the whole database into PATH (SQLite: a copy of the database; PostgreSQL: a
    pg_dump custom-format archive). The site can keep running."""
    if path.exists() and not force:
        raise click.UsageError(f"{path} exists: choose another name, or add --force to replace it")
    try:
        backup.backup(db.engine.url, path)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"backup of {db.engine.url.render_as_string(hide_password=True)} written to {path} "
               f"({path.stat().st_size} bytes)")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(path: Path, yes: bool):
    """Replace all the data of the database with the backup in PATH (made by `backup`). Stop the web servers
    and the outbox workers first."""
    where = db.engine.url.render_as_string(hide_password=True)
    if not yes:
        click.confirm(f"Replace all the data of {where} with the backup {path}?", abort=True)
    db.session.remove()
    db.engine.dispose()  # no connection of ours may hold a table the restore replaces
    try:
        backup.restore(db.engine.url, path)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    db.engine.dispose()
    pagecache.data_changed(current_app._get_current_object())
    click.echo(f"{where} restored from {path}")


def init_app(app: Flask) -> None:
    for group in (users_cli, demo_cli, outbox_cli):
        app.cli.add_command(group)
    for command in (check_command, backup_command, restore_command, periodic_command):
        app.cli.add_command(command)
