"""Invitations to a closed list: a councillor pastes e-mail addresses, each gets a personal single-use link
through the outbox, and only people holding one may answer a survey marked "only invited people". The link's
token is kept only as a keyed hash; answering marks the invitation used in the answer's transaction, and
nothing else of the answer (no response id, no time) is written on it."""
from __future__ import annotations

import hashlib
import hmac
import secrets

import click
from email_validator import EmailNotValidError, validate_email
from flask import current_app, render_template, url_for
from flask.cli import AppGroup
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update

from civic.accounts.models import User
from civic.audit.services import record
from civic.database import db, utcnow
from civic.outbox.services import enqueue
from civic.surveys.models import Survey, SurveyInvitation, SurveyStatus

MAX_ADDRESSES = 1000


class InvitationError(Exception):
    """The invitations could not be sent; the message is translated and nothing was stored."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvitationRefused(Exception):
    """The visitor holds no valid invitation (`reason` "invited") or it was used ("invitation_used")."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def token_hash(survey_id: int, token: str) -> str:
    """What is stored of an invitation link's token: an HMAC keyed with SECRET_KEY, bound to the survey."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"survey-invitation:{survey_id}:{token}".encode(), hashlib.sha256).hexdigest()


def read_addresses(text: str) -> tuple[list[str], list[tuple[int, str]]]:
    """The valid addresses of a pasted list (one a line, blank lines skipped, normalised to lower case,
    duplicates once, in order) and the bad lines as (line number, line)."""
    addresses: dict[str, None] = {}
    bad: list[tuple[int, str]] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        try:
            checked = validate_email(line, check_deliverability=False)
        except EmailNotValidError:
            bad.append((number, line))
            continue
        addresses.setdefault(checked.normalized.lower(), None)
    return list(addresses), bad


def invite(actor: User | None, survey: Survey, text: str, language: str | None = None) -> tuple[int, int]:
    """Invite every valid address of `text` not invited yet: (invited now, duplicates ignored). Any bad line
    refuses the whole list (InvitationError naming the lines), so nothing is half stored. The e-mails are in
    `language` (the site's when it is none of its languages), or in the language of the account that has the
    address, when it chose one; reminders follow the same language."""
    if not survey.invited_only:
        raise InvitationError(_("Choose “Only invited people may answer” in the settings first."))
    if survey.status != SurveyStatus.OPEN:
        raise InvitationError(_("Open the survey before inviting people: the links work only while it is "
                                "open."))
    addresses, bad = read_addresses(text)
    if bad:
        lines = "; ".join(f"{number}: {line[:80]}" for number, line in bad[:10])
        raise InvitationError(_("These lines are not valid e-mail addresses (line: text): %(lines)s. Correct "
                                "or remove them; nobody was invited.", lines=lines))
    if not addresses:
        raise InvitationError(_("Paste at least one e-mail address, one a line."))
    if len(addresses) > MAX_ADDRESSES:
        raise InvitationError(_("At most %(num)d addresses at a time.", num=MAX_ADDRESSES))
    known = set(db.session.scalars(select(SurveyInvitation.email).where(
        SurveyInvitation.survey_id == survey.id, SurveyInvitation.email.in_(addresses))))
    new = [address for address in addresses if address not in known]
    tokens = {address: secrets.token_urlsafe(32) for address in new}
    languages = _languages_of(new, language)
    db.session.add_all([SurveyInvitation(survey_id=survey.id, email=address,
                                         token_hash=token_hash(survey.id, tokens[address]), used=False,
                                         reminders=0, sent_at=utcnow(), language=languages[address])
                        for address in new])
    for address in new:
        _mail(survey, address, tokens[address], reminder=False, language=languages[address])
    db.session.flush()
    record(actor, "survey.invite", survey, str(len(new)), body_id=survey.body_id)
    return len(new), len(addresses) - len(new)


def _languages_of(addresses: list[str], chosen: str | None) -> dict[str, str]:
    """Each address's e-mail language: its account's, if it has one with a language, else `chosen` (one of
    the site's languages, else the site's default). One query."""
    site = current_app.config["CIVIC_LANGUAGES"]
    if chosen not in site:
        chosen = current_app.config["BABEL_DEFAULT_LOCALE"]
    accounts = dict(db.session.execute(select(User.email, User.locale).where(
        User.email.in_(addresses), User.locale.in_(site))).all())
    return {address: accounts.get(address, chosen) for address in addresses}


def remind(actor: User | None, survey: Survey) -> int:
    """Send each invitee who has not answered one reminder with a fresh link (the old one stops working,
    since only its hash was kept); how many were reminded."""
    if survey.status != SurveyStatus.OPEN:
        raise InvitationError(_("Only an open survey can send reminders."))
    pending = db.session.execute(
        select(SurveyInvitation.id, SurveyInvitation.email, SurveyInvitation.reminders,
               SurveyInvitation.language)
        .where(SurveyInvitation.survey_id == survey.id, SurveyInvitation.used.is_(False))
        .order_by(SurveyInvitation.id).with_for_update()
    ).all()
    changes = []
    for row in pending:
        token = secrets.token_urlsafe(32)
        changes.append({"id": row.id, "token_hash": token_hash(survey.id, token),
                        "reminders": row.reminders + 1})
        _mail(survey, row.email, token, reminder=True, language=row.language)
    if changes:
        db.session.execute(update(SurveyInvitation), changes)  # one executemany by primary key
    record(actor, "survey.remind_invited", survey, str(len(changes)), body_id=survey.body_id)
    return len(changes)


def _mail(survey: Survey, address: str, token: str, reminder: bool, language: str) -> None:
    """The invitation (or reminder) in the invitation's language, queued in the caller's transaction."""
    link = current_app.config["CIVIC_BASE_URL"] + url_for("surveys.open_invitation", survey_id=survey.id,
                                                         token=token)
    with force_locale(language):
        subject = (_("Reminder: you are invited to answer “%(title)s”", title=survey.title) if reminder
                   else _("You are invited to answer “%(title)s”", title=survey.title))
        text = render_template("surveys/email/invitation.txt", survey=survey, link=link, reminder=reminder)
    enqueue(address, subject[:300], text)


def refusal(survey: Survey, token: str | None) -> str | None:
    """Why the holder of `token` may not answer this invited-only survey, or None. One query."""
    if not token:
        return "invited"
    used = db.session.scalar(select(SurveyInvitation.used).where(
        SurveyInvitation.survey_id == survey.id, SurveyInvitation.token_hash == token_hash(survey.id, token)))
    if used is None:
        return "invited"
    return "invitation_used" if used else None


def use(survey: Survey, token: str | None) -> None:
    """Mark the invitation used, atomically: of two answers with the same invitation, however close, one
    changes the row and the other finds it used (InvitationRefused) and must roll back."""
    if token:
        changed = db.session.execute(
            update(SurveyInvitation)
            .where(SurveyInvitation.survey_id == survey.id,
                   SurveyInvitation.token_hash == token_hash(survey.id, token),
                   SurveyInvitation.used.is_(False))
            .values(used=True)
            .execution_options(synchronize_session=False)
        ).rowcount
        if changed == 1:
            return
    raise InvitationRefused(refusal(survey, token) or "invited")


def counts(survey_id: int) -> tuple[int, int]:
    """(invitations sent, used) in one aggregate."""
    sent, used = db.session.execute(
        select(func.count(), func.count().filter(SurveyInvitation.used.is_(True)))
        .where(SurveyInvitation.survey_id == survey_id)).one()
    return sent, used


def listing(survey_id: int):
    """The survey's invitations, for the councillor's page (paginated by the view); erased addresses last."""
    return (select(SurveyInvitation).where(SurveyInvitation.survey_id == survey_id)
            .order_by(SurveyInvitation.email.asc().nulls_last(), SurveyInvitation.id))


def sent_to(user_id: int):
    """The invitations sent to the account's address, with the survey's title (for "download my data")."""
    address = select(User.email).where(User.id == user_id).scalar_subquery()
    return (select(Survey.id.label("survey_id"), Survey.title, SurveyInvitation.sent_at,
                   SurveyInvitation.reminders, SurveyInvitation.used)
            .join(Survey, Survey.id == SurveyInvitation.survey_id)
            .where(SurveyInvitation.email == address)
            .order_by(SurveyInvitation.sent_at, SurveyInvitation.id))


def forget_address(address: str) -> None:
    """Before an account is deleted: invitations to its address that were not used are deleted; used ones
    keep their row without the address, so each survey still counts them as sent and answered."""
    db.session.execute(delete(SurveyInvitation).where(SurveyInvitation.email == address,
                                                      SurveyInvitation.used.is_(False)))
    db.session.execute(update(SurveyInvitation).where(SurveyInvitation.email == address)
                       .values(email=None).execution_options(synchronize_session=False))


commands = AppGroup("surveys", help="Surveys.")


@commands.command("remind-invited")
@click.argument("survey_id", type=int)
def remind_invited_command(survey_id: int) -> None:
    """Remind once every invitee of SURVEY_ID who has not answered (a fresh link each, through the outbox)."""
    survey = db.session.get(Survey, survey_id)
    if survey is None:
        raise click.ClickException(f"No survey {survey_id}.")
    try:
        with current_app.test_request_context("/", base_url=current_app.config["CIVIC_BASE_URL"]):
            reminded = remind(None, survey)
    except InvitationError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Reminded {reminded} invitees.")
