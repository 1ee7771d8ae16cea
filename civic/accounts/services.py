"""Account rules: registration, confirmation, login sessions, password reset and change, roles, deletion.

Every function validates, changes, flushes and returns; the view commits once.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import math

from flask import current_app, render_template, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, case, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from civic.accounts import passwords, queries, tokens
from civic.accounts.models import AuthSession, Councillorship, PasswordResetToken, SignInThrottle, User
from civic.audit import services as audit
from civic.audit.services import record, security_event, subject_of
from civic.bodies.models import Body
from civic.core import features, ratelimit
from civic.database import db, utcnow
from civic.outbox.models import OutboxMessage
from civic.outbox.services import enqueue

# A series of failed sign-ins older than this is forgotten.
FAILURES_FORGOTTEN_AFTER = dt.timedelta(days=1)


class AccountError(Exception):
    """A rule refused the change; the message is translated and meant for the user."""


class TooManyMails(AccountError):
    """Enough e-mails of this kind went to this address lately (CIVIC_LIMIT_MAIL_TARGET): none more now."""


def check_mail_budget(purpose: str, email: str) -> None:
    """Count one e-mail of `purpose` ("reset", "confirm") to this address, known or not (the answer must not
    tell which); raise TooManyMails, counting nothing, when its budget is spent."""
    if not ratelimit.allow(purpose, subject_of(normalize_email(email)),
                           current_app.config["CIVIC_LIMIT_MAIL_TARGET"]):
        raise TooManyMails(_("Several e-mails were already sent to this address in the last hours. Wait a "
                             "while before asking for another one, and look in the spam folder too."))


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def _absolute(endpoint: str, **values) -> str:
    return current_app.config["CIVIC_BASE_URL"] + url_for(endpoint, **values)


def _send(user: User, template: str, subject, to: str | None = None, **context) -> None:
    """Render a mail in the user's language and queue it to `to` (default: the user's address)."""
    with force_locale(user.locale or str(get_locale())):
        text = render_template(f"accounts/email/{template}.txt", user=user, **context)
        enqueue(to or user.email, str(subject), text)


# --- registration and confirmation ---------------------------------------------------------------


def register(email: str, display_name: str, password: str) -> User | None:
    """Create an unconfirmed account and send its confirmation link. When the address is taken, the owner is
    told by e-mail instead, and the caller gets None: the page says the same thing either way."""
    email = normalize_email(email)
    check_mail_budget("confirm", email)
    password_hash = passwords.hash_password(password)  # always spend the hashing time
    existing = find_by_email(email)
    if existing is None:
        now = utcnow()
        user = User(
            email=email,
            display_name=display_name.strip(),
            password_hash=password_hash,
            privacy_accepted_at=now,
            password_changed_at=now,
            locale=str(get_locale()),
        )
        try:
            # A savepoint: when a parallel request registered the same address first, answer as for a taken
            # one.
            with db.session.begin_nested():
                db.session.add(user)
        except IntegrityError:
            existing = find_by_email(email)
        else:
            send_confirmation(user)
            return user
    _send(existing, "already_registered", _l("Someone tried to register with your address"),
          login_url=_absolute("accounts.login"), reset_url=_absolute("accounts.request_reset"))
    return None


def send_confirmation(user: User) -> None:
    token = tokens.sign("confirm", {"u": user.id, "e": user.email})
    _send(user, "confirm", _l("Confirm your e-mail address"),
          confirm_url=_absolute("accounts.open_confirmation", token=token))


def confirmation_user(token: str) -> User:
    """The user whose address a confirmation link is for. Raises TokenError for a bad, expired or stale
    link."""
    payload = tokens.unsign("confirm", token, current_app.config["CIVIC_CONFIRM_MAX_AGE"])
    user = db.session.get(User, payload.get("u"))
    if user is None or user.email != payload.get("e"):
        raise tokens.TokenError("invalid")
    return user


def confirm_email(token: str) -> User:
    """Mark the address in the token as confirmed (a second use changes nothing)."""
    user = confirmation_user(token)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    return user


# --- logging in and out ------------------------------------------------------------------------------


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None. Takes the same time for unknown e-mails."""
    user = find_by_email(email)
    ok = passwords.verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user


class SignInPaused(Exception):
    """Too many failed sign-ins for this address, from anywhere: wait `seconds` (ASVS 2.2.1)."""

    def __init__(self, seconds: int):
        super().__init__(seconds)
        self.seconds = seconds


def sign_in(email: str, password: str) -> User | None:
    """authenticate(), throttled per address whatever the client: after CIVIC_SIGN_IN_FREE_ATTEMPTS failures
    in a row each new failure pauses the address for a delay that doubles (CIVIC_SIGN_IN_DELAY up to
    CIVIC_SIGN_IN_DELAY_MAX seconds, SignInPaused), the owner is told by e-mail when the pauses start, and an
    attempt during a pause is refused without looking at the password (SignInPaused too). Unknown addresses
    are throttled alike, so the answer tells nothing. Every outcome is a security event; the caller commits,
    also on failure."""
    subject = _throttle_subject(email)
    now = utcnow()
    throttle = db.session.get(SignInThrottle, subject)
    user_row = find_by_email(email)
    if throttle is not None and throttle.blocked_until is not None and throttle.blocked_until > now:
        security_event(audit.SIGN_IN_FAILED, user_row, email=email, detail="paused")
        raise SignInPaused(math.ceil((throttle.blocked_until - now).total_seconds()))
    user = authenticate(email, password)
    if user is not None:
        if throttle is not None:
            db.session.delete(throttle)
        security_event(audit.SIGN_IN, user)
        return user
    failures = _count_failure(subject, now)
    security_event(audit.SIGN_IN_FAILED, user_row, email=email, detail=f"failure {failures}")
    free = current_app.config["CIVIC_SIGN_IN_FREE_ATTEMPTS"]
    if failures >= free:
        delay = min(current_app.config["CIVIC_SIGN_IN_DELAY"] * 2 ** (failures - free),
                    current_app.config["CIVIC_SIGN_IN_DELAY_MAX"])
        db.session.execute(update(SignInThrottle).where(SignInThrottle.subject == subject)
                           .values(blocked_until=now + dt.timedelta(seconds=delay)))
        security_event(audit.SIGN_IN_LOCKED, user_row, email=email, detail=f"{failures} failures, {delay} s")
        if failures == free and user_row is not None and user_row.is_active:
            _send(user_row, "sign_in_paused", _l("Several failed attempts to log in to your account"),
                  failures=failures, reset_url=_absolute("accounts.request_reset"))
        raise SignInPaused(delay)
    return None


def _throttle_subject(email: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"civic.sign-in:" + normalize_email(email).encode(), hashlib.sha256).hexdigest()


def _count_failure(subject: str, now: dt.datetime) -> int:
    """One more failure of the address, atomically (parallel attempts each count); a series older than a day
    starts again. Returns the failures of the series."""
    table = SignInThrottle.__table__
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    insert = (postgresql_insert if postgresql else sqlite_insert)(table)
    stale = table.c.last_failure_at < now - FAILURES_FORGOTTEN_AFTER
    statement = (
        insert.values(subject=subject, failures=1, last_failure_at=now)
        .on_conflict_do_update(index_elements=[table.c.subject],
                               set_={"failures": case((stale, 1), else_=table.c.failures + 1),
                                     "last_failure_at": now})
        .returning(table.c.failures)
    )
    return db.session.execute(statement).scalar_one()


def start_session(user: User, remember: bool = False) -> str:
    """A new server-side session for the user; returns the token to keep in the cookie. It ends at the latest
    after CIVIC_SESSION_STAFF_HOURS for councillors and administrators, CIVIC_SESSION_HOURS for citizens, or
    CIVIC_SESSION_REMEMBER_DAYS for a citizen who asked to be remembered (`remember` is ignored for staff).
    The idle end is kept by civic.accounts.auth."""
    config = current_app.config
    remember = remember and not (user.is_admin or user.is_councillor)
    if remember:
        lifetime = dt.timedelta(days=config["CIVIC_SESSION_REMEMBER_DAYS"])
    elif user.is_admin or user.is_councillor:
        lifetime = dt.timedelta(hours=config["CIVIC_SESSION_STAFF_HOURS"])
    else:
        lifetime = dt.timedelta(hours=config["CIVIC_SESSION_HOURS"])
    token = tokens.random_token()
    db.session.add(AuthSession(token_hash=tokens.digest(token), user_id=user.id, remember=remember,
                               expires_at=utcnow() + lifetime))
    user.auth_token = token
    user.session_remembered = remember
    return token


def end_session(token: str | None) -> None:
    if token:
        db.session.execute(delete(AuthSession).where(AuthSession.token_hash == tokens.digest(token)))


def end_all_sessions(user: User) -> None:
    db.session.execute(delete(AuthSession).where(AuthSession.user_id == user.id))


def _live_session(query):
    """`query` of the account of a live login session: bound values "digest" (the token's hash) and "now"."""
    return (query.join(AuthSession, AuthSession.user_id == User.id)
            .where(AuthSession.token_hash == bindparam("digest"), AuthSession.expires_at > bindparam("now"),
                   User.is_active_account.is_(True)))


@functools.cache
def _session_statement():
    """Built once: it runs for most signed-in requests (building it cost more than running it)."""
    return _live_session(select(User, AuthSession.expires_at).options(joinedload(User.councillorships)))


def session_facts_statement(*extra):
    """The plain facts of a live login session's account (id, display_name, email, locale, is_confirmed,
    staff: an administrator or a councillor, expires_at: the session's end), then the `extra` columns (SQL
    expressions of User.id): what a process keeps of a signed-in citizen (civic/accounts/people.py), read
    without making an ORM object. Build it once and run it with `session_facts`."""
    return _live_session(select(
        User.id, User.display_name, User.email, User.locale, User.is_confirmed.label("is_confirmed"),
        or_(User.is_admin, User.is_councillor).label("staff"), AuthSession.expires_at, *extra))


def session_facts(statement, token: str):
    """The row of `session_facts_statement` for a login session token, or None for a dead, expired or
    unknown one."""
    # On the session's connection: no ORM execution step for a statement that loads no objects.
    params = {"digest": tokens.digest(token), "now": utcnow()}
    return db.session.connection().execute(statement, params).first()


def load_session(token: str) -> tuple[User, dt.datetime] | None:
    """The user of a live session token with their councillor roles, and the session's end (one query, so
    every page's navigation and access checks need no other), or None for a dead, expired or unknown token.
    Read for each request (or kept under the people generation, civic/accounts/people.py): a role granted or
    taken away, a sign-out, takes effect at the next page."""
    row = db.session.execute(_session_statement(), {"digest": tokens.digest(token), "now": utcnow()}
                             ).unique().one_or_none()
    if row is None:
        return None
    user, expires_at = row
    user.auth_token = token
    return user, expires_at


def load_session_user(token: str) -> User | None:
    loaded = load_session(token)
    return loaded[0] if loaded is not None else None


# --- password reset and change --------------------------------------------------------------------------


def request_password_reset(email: str) -> None:
    """Send a single-use reset link valid for an hour if the account exists; older links die. Unknown
    addresses get no mail and the same answer."""
    check_mail_budget("reset", email)
    user = find_by_email(email)
    token = tokens.random_token()  # spend the same work either way
    security_event(audit.RESET_ASKED, user, email=email)
    if user is None or not user.is_active:
        return
    db.session.execute(delete(PasswordResetToken).where(PasswordResetToken.user_id == user.id))
    now = utcnow()
    db.session.add(
        PasswordResetToken(
            token_hash=tokens.digest(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + dt.timedelta(seconds=current_app.config["CIVIC_RESET_MAX_AGE"]),
        )
    )
    _send(user, "reset", _l("Reset your password"),
          reset_url=_absolute("accounts.open_reset", token=token))


def check_reset_token(token: str) -> PasswordResetToken:
    """The live reset token row, or TokenError ("invalid" for unknown or used, "expired")."""
    row = db.session.get(PasswordResetToken, tokens.digest(token))
    if row is None:
        raise tokens.TokenError("invalid")
    if row.expires_at <= utcnow():
        raise tokens.TokenError("expired")
    return row


def exchange_reset_token(token: str) -> str:
    """Swap a live reset link's token for a new one with the same expiry, and return the new one: the token
    that travelled in the address (and may sit in an access log) stops working."""
    row = check_reset_token(token)
    fresh = tokens.random_token()
    db.session.execute(update(PasswordResetToken).where(PasswordResetToken.token_hash == row.token_hash)
                       .values(token_hash=tokens.digest(fresh)))
    db.session.expire(row)
    return fresh


def reset_password(token: str, new_password: str) -> User:
    """Set a new password through a reset link, which is then spent; every session of the user ends."""
    row = check_reset_token(token)
    user = db.session.get(User, row.user_id)
    _set_password(user, new_password)
    security_event(audit.RESET_USED, user)
    # Following the link proves the address works.
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Change the password after checking the current one; other sessions and reset links die."""
    if not passwords.verify_password(user.password_hash, current_password):
        raise AccountError(_("The current password is not correct."))
    _set_password(user, new_password)
    security_event(audit.PASSWORD_CHANGED, user)
    _send(user, "password_changed", _l("Your password was changed"),
          reset_url=_absolute("accounts.request_reset"))


def _set_password(user: User, new_password: str) -> None:
    user.password_hash = passwords.hash_password(new_password)
    user.password_changed_at = utcnow()
    db.session.execute(delete(PasswordResetToken).where(PasswordResetToken.user_id == user.id))
    end_all_sessions(user)


# --- e-mail change -----------------------------------------------------------------------------------------


def request_email_change(user: User, current_password: str, new_email: str) -> None:
    """Send a confirmation link to the new address; the change happens when it is followed."""
    if not passwords.verify_password(user.password_hash, current_password):
        raise AccountError(_("The current password is not correct."))
    new_email = normalize_email(new_email)
    if new_email == user.email:
        raise AccountError(_("This is already your e-mail address."))
    if find_by_email(new_email) is not None:
        # Tell the owner of that address nothing and the requester nothing more than usual.
        return
    token = tokens.sign("change-email", {"u": user.id, "old": user.email, "new": new_email})
    _send(user, "change_email", _l("Confirm your new e-mail address"), to=new_email,
          confirm_url=_absolute("accounts.open_email_change", token=token))


def email_change_request(token: str) -> tuple[User, str]:
    """The user and the new address of an e-mail change link. Raises TokenError for a bad, expired or used
    link (the link names the old address, so it stops working once the change is done)."""
    payload = tokens.unsign("change-email", token, current_app.config["CIVIC_CONFIRM_MAX_AGE"])
    user = db.session.get(User, payload.get("u"))
    new_email = payload.get("new")
    if user is None or user.email != payload.get("old") or not isinstance(new_email, str):
        raise tokens.TokenError("invalid")
    return user, new_email


def confirm_email_change(token: str) -> User:
    """Switch the account to the new address of the link and tell the old address."""
    user, new_email = email_change_request(token)
    if find_by_email(new_email) is not None:
        raise AccountError(_("This e-mail address is already in use."))
    old_email = user.email
    user.email = new_email
    user.email_confirmed_at = utcnow()
    security_event(audit.EMAIL_CHANGED, user)
    _send(user, "email_changed", _l("Your e-mail address was changed"), to=old_email)
    return user


# --- roles ------------------------------------------------------------------------------------------------


def grant_councillor(actor: User, user: User, body: Body) -> Councillorship:
    existing = db.session.scalar(
        select(Councillorship).where(Councillorship.user_id == user.id, Councillorship.body_id == body.id)
    )
    if existing is not None:
        raise AccountError(_("%(name)s is already a councillor of %(body)s.", name=user.display_name,
                             body=body.name))
    seat = Councillorship(user=user, body=body, granted_by_id=actor.id if actor else None)
    db.session.add(seat)
    db.session.flush()
    record(actor, "role.grant", user, f"councillor of {body.slug}", body_id=body.id)
    _role_event(actor, user, f"grant councillor of {body.slug}")
    return seat


def revoke_councillor(actor: User, user: User, body: Body) -> None:
    seat = db.session.scalar(
        select(Councillorship).where(Councillorship.user_id == user.id, Councillorship.body_id == body.id)
    )
    if seat is None:
        raise AccountError(_("%(name)s is not a councillor of %(body)s.", name=user.display_name,
                             body=body.name))
    db.session.delete(seat)
    record(actor, "role.revoke", user, f"councillor of {body.slug}", body_id=body.id)
    _role_event(actor, user, f"revoke councillor of {body.slug}")


def set_admin(actor: User | None, user: User, value: bool) -> None:
    if actor is not None and actor.id == user.id and not value:
        raise AccountError(_("You cannot remove your own administrator role."))
    if user.is_admin == value:
        return
    user.is_admin = value
    record(actor, "role.grant" if value else "role.revoke", user, "admin")
    _role_event(actor, user, f"{'grant' if value else 'revoke'} admin")


def _role_event(actor: User | None, user: User, what: str) -> None:
    by = f" by #{actor.id}" if actor is not None else " by the command line"
    security_event(audit.ROLE_CHANGED, user, detail=what + by)


def create_user(email: str, display_name: str, password: str, confirmed: bool = True) -> User:
    """Create an account directly (command line and demo): already confirmed, privacy accepted."""
    if find_by_email(email) is not None:
        raise AccountError(_("This e-mail address is already in use."))
    now = utcnow()
    user = User(
        email=normalize_email(email),
        display_name=display_name,
        password_hash=passwords.hash_password(password),
        privacy_accepted_at=now,
        email_confirmed_at=now if confirmed else None,
    )
    db.session.add(user)
    db.session.flush()
    return user


# --- deleting an account ------------------------------------------------------------------------------------


def deletion_refusal(user: User) -> str | None:
    """Why this account may not be deleted now (translated), or None. The last administrator stays, or nobody
    could manage bodies, accounts and roles any more."""
    if user.is_admin and not db.session.scalar(queries.other_active_admins(user.id)):
        return _("You are the only administrator. Make another person an administrator before deleting "
                 "your account.")
    return None


def delete_account(user: User, current_password: str, now: dt.datetime | None = None) -> None:
    """Delete the person's account after checking the password. What follows the row is the foreign keys'
    business, each chosen for this moment (see the models):

    - first each feature does what the foreign keys cannot (civic.core.features on_account_deletion): meeting
      seats are given back (the waiting list moves up and is told by e-mail), then the registrations go with
      the person;
    - supports, declarations of interest, survey participations, comment reports, councillor roles, login
      sessions and reset links are deleted;
    - comments stay, without an author ("former participant"), so the replies of others keep their context;
    - responses to named surveys stay in the results without a name, like anonymous ones;
    - audit lines the person wrote lose their author; one line records the deletion, with no personal data.

    E-mails to the address are removed from the outbox too, in any state: one a worker is sending at this
    very moment still leaves, and the worker then finds its row gone and leaves it gone."""
    if not passwords.verify_password(user.password_hash, current_password):
        raise AccountError(_("The current password is not correct."))
    refusal = deletion_refusal(user)
    if refusal:
        raise AccountError(refusal)
    for before_deletion in features.each("on_account_deletion"):
        before_deletion(user, now)
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.to_address == user.email))
    record(None, "account.delete", user)
    db.session.delete(user)
    db.session.flush()
