"""Who may take part in an activity (answer a survey, support a motion, declare interest, register for a
meeting, comment): the one rule every feature's service applies, the sentence that tells a citizen before
they start, and the way to meet it. Also the keyed hash by which a person takes part once ("one person, one
voice"), even after deleting the account and signing up again."""
from __future__ import annotations

import datetime as dt
import enum
import functools
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app, flash, g, has_app_context, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, bindparam, delete, event, null, select, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from civic.accounts import services as accounts
from civic.census import queries
from civic.census.models import Verification
from civic.census.models import Voice as VoiceRow
from civic.database import db, utcnow
from civic.identity import current
from civic.identity import queries as identities


class Audience(enum.StrEnum):
    ANYONE = "anyone"
    REGISTERED = "registered"
    CONFIRMED = "confirmed"
    IDENTITY = "identity"  # signed in with SPID or CIE at `audience_level` or higher
    RESIDENT = "resident"  # a verified resident of the body that owns the activity


LABELS = {
    Audience.ANYONE: _l("Anyone, also without an account"),
    Audience.REGISTERED: _l("People with an account"),
    Audience.CONFIRMED: _l("People with an account and a confirmed e-mail address"),
    Audience.IDENTITY: _l("People signed in with SPID or CIE"),
    Audience.RESIDENT: _l("Verified residents of the body"),
}
LEVEL_LABELS = {1: _l("SPID level 1 or CIE"), 2: _l("SPID level 2 or CIE"), 3: _l("SPID level 3 or CIE")}


@dataclass(frozen=True)
class Rule:
    """Who may take part in one activity: the audience, the least SPID/CIE level (for IDENTITY), the body
    whose residents may (for RESIDENT), and whether only people holding a personal invitation may (the
    activity's feature checks the invitation: reasons "invited" and "invitation_used")."""

    audience: Audience
    level: int = 2
    body_id: int | None = None
    # The body's name, or a callable giving it: read (a query, at most) only when a sentence names the body.
    named: str | Callable[[], str] = field(default="", compare=False)
    invited: bool = False

    @property
    def body_name(self) -> str:
        name = self.named
        if callable(name):
            name = name()
            object.__setattr__(self, "named", name)
        return name


def rule_of(audience: Audience, level: int, body_id: int, body) -> Rule:
    """The rule of an activity with these columns (`audience`, `audience_level`), owned by this body; `body`
    is a callable giving the body, called only when a sentence names it (no query otherwise)."""
    return Rule(audience, level, body_id, (lambda: body().name) if audience == Audience.RESIDENT else "")


class NotEligible(Exception):
    """The person may not take part; `reason` is one of login, confirm, identity, resident."""

    def __init__(self, reason: str, rule: Rule):
        super().__init__(reason)
        self.reason = reason
        self.rule = rule
        self.message = refusal_message(reason, rule)


def refusal(rule: Rule, user) -> str | None:
    """Why `user` (the current user, possibly anonymous) may not take part now, or None. One or two queries
    at most (the SPID/CIE session, the verification)."""
    audience = Audience(rule.audience)
    if audience is Audience.ANYONE:
        return None
    if user is None or not user.is_authenticated:
        return "login"
    if audience is Audience.IDENTITY:
        return None if current.level_at_least(rule.level) else "identity"
    return signed_in_refusal(audience, user.is_confirmed,
                             audience is Audience.RESIDENT and person(user, rule.body_id).verified)


def signed_in_refusal(audience: Audience, confirmed: bool, resident: bool) -> str | None:
    """`refusal` for a signed-in person whose confirmation and residence of the body are known (read beside
    other facts); "identity" for a SPID/CIE audience, whose level only the session tells."""
    audience = Audience(audience)
    if audience is Audience.CONFIRMED and not confirmed:
        return "confirm"
    if audience is Audience.IDENTITY:
        return "identity"
    if audience is Audience.RESIDENT and not resident:
        return "resident"
    return None


# --- what one request knows about the person ---------------------------------------------------------------

_KNOWN = "_civic_eligibility"  # in flask.g: (user id, body id) -> Person, ("identity", user id) -> subject


@dataclass(frozen=True)
class Person:
    """What the rules ask of an account about one body: the keyed hash of its SPID/CIE identity (None
    without one) and whether it is a verified resident of the body now."""

    subject: str | None
    verified: bool


def _known() -> dict | None:
    if not has_app_context():
        return None
    known = g.get(_KNOWN)
    if known is None:
        known = {}
        setattr(g, _KNOWN, known)
    return known


def residence_facts(user_id: int) -> tuple[str | None, tuple[tuple[int, dt.datetime], ...]]:
    """What each process keeps of a signed-in citizen for the rules (civic/accounts/people.py): the keyed
    hash of the identity linked to the account, and the bodies it is a verified resident of with the end of
    each verification. Read again after any change to identities or verifications."""
    rows = db.session.execute(_residence_statement(), {"user_id": user_id, "now": utcnow()}).all()
    return rows[0][2], tuple((body_id, until) for body_id, until, _subject in rows if body_id is not None)


def residence_columns(user_id) -> tuple:
    """The residence facts as columns of the statement that learns who a signed-in citizen is (user_id: its
    user id column; "now" bound as for the login session's end): the keyed hash of the identity linked to the
    account, and whether it holds a valid verification anywhere."""
    valid = select(Verification.id).where(Verification.user_id == user_id, Verification.revoked_at.is_(None),
                                          Verification.expires_at > bindparam("now"))
    return identities.subject_of_user(user_id), valid.exists()


def residence_from_columns(subject: str | None, verified_somewhere: bool):
    """The residence facts from those columns when they tell them whole (no valid verification: none to
    list); None for a verified resident, whose bodies and ends `residence_facts` reads."""
    return None if verified_somewhere else (subject, ())


@functools.cache
def _residence_statement():
    """One statement, built once (it runs at a person's first answer in each process): each valid
    verification with the subject, and the subject alone (for none)."""
    user_id = bindparam("user_id", type_=Integer())
    subject = identities.subject_of_user(user_id)
    return union_all(
        select(Verification.body_id, Verification.expires_at, subject).where(
            Verification.user_id == user_id, Verification.revoked_at.is_(None),
            Verification.expires_at > bindparam("now", type_=Verification.expires_at.type)),
        select(null(), null(), subject))


@functools.cache
def _person_statement():
    """The identity's keyed hash and whether the account is a verified resident of the body (built once)."""
    user_id = bindparam("user_id", type_=Integer())
    return select(identities.subject_of_user(user_id),
                  queries.is_verified(user_id, bindparam("body_id", type_=Integer()),
                                      bindparam("now", type_=Verification.expires_at.type)))


def _kept_residence(user):
    """A person known to the process (a kept page, a survey answer): their residence facts, else None."""
    return user.fact("residence") if getattr(user, "kept", False) else None


def person(user, body_id: int) -> Person:
    """The account's identity and verification for the body, in one query, read once per request (a submit
    asks for them in the view and again in the service); none for a person the process knows. Forgotten at
    every flush, commit and rollback, so a verification or identity written meanwhile is seen."""
    kept = _kept_residence(user)
    if kept is not None:
        now = utcnow()
        return Person(kept[0], any(body == body_id and until > now for body, until in kept[1]))
    known = _known()
    key = (user.id, body_id)
    if known is not None and key in known:
        return known[key]
    subject, verified = db.session.execute(_person_statement(), {
        "user_id": user.id, "body_id": body_id, "now": utcnow()}).one()
    found = Person(subject, bool(verified))
    if known is not None:
        known[key] = found
        known[("identity", user.id)] = subject
    return found


def _subject(user) -> str | None:
    kept = _kept_residence(user)
    if kept is not None:
        return kept[0]
    known = _known()
    key = ("identity", user.id)
    if known is not None and key in known:
        return known[key]
    subject = db.session.scalar(select(identities.subject_of_user(user.id)))
    if known is not None:
        known[key] = subject
    return subject


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget(session, *args) -> None:
    if has_app_context():
        g.pop(_KNOWN, None)


def require(rule: Rule, user) -> None:
    """Raise NotEligible unless `user` may take part: what every feature's service calls before it writes."""
    reason = refusal(rule, user)
    if reason is not None:
        raise NotEligible(reason, rule)


def statement(rule: Rule) -> str:
    """The sentence a citizen reads before starting."""
    if rule.invited:
        invited = _("Only invited people may take part, with the personal link of their invitation e-mail.")
        if Audience(rule.audience) is Audience.ANYONE:
            return invited
        return f"{_audience_statement(rule)} {invited}"
    return _audience_statement(rule)


def _audience_statement(rule: Rule) -> str:
    audience = Audience(rule.audience)
    if audience is Audience.REGISTERED:
        return _("To take part you need an account.")
    if audience is Audience.CONFIRMED:
        return _("To take part you need an account with a confirmed e-mail address.")
    if audience is Audience.IDENTITY:
        return _("To take part you need to sign in with SPID (level %(level)d or higher) or CIE.",
                 level=rule.level)
    if audience is Audience.RESIDENT:
        return _("To take part you need SPID or CIE and residence in %(body)s.", body=rule.body_name)
    return _("Anyone may take part, also without an account.")


def refusal_message(reason: str, rule: Rule) -> str:
    messages = {
        "login": _("Log in to take part."),
        "confirm": _("Confirm your e-mail address to take part."),
        "identity": _("Sign in with SPID (level %(level)d or higher) or CIE to take part.", level=rule.level),
        "resident": _("Only verified residents of %(body)s may take part: verify your residence first.",
                      body=rule.body_name),
        "invited": _("Only invited people may take part: open the personal link of your invitation e-mail."),
        "invitation_used": _("Your invitation has already been used: each invitation allows one answer."),
    }
    return messages.get(reason, "")


def confirm_first():
    """What the platform does when an unconfirmed account tries what needs a confirmed address: to the
    account page, with the reason (as civic.accounts.auth.confirmed_required)."""
    flash(_("Confirm your e-mail address first: we sent you a link."), "warning")
    return redirect(url_for("accounts.profile"))


def way(reason: str | None, rule: Rule, next_url: str) -> tuple[str, str] | None:
    """(label, address) of the page where the person meets the rule and comes back to `next_url`."""
    if reason == "login":
        return _("Log in or sign up"), url_for("accounts.login", next=next_url)
    if reason == "confirm":
        return _("Your account"), url_for("accounts.profile")
    if reason == "identity":
        return _("Sign in with SPID or CIE"), url_for("accounts.login", next=next_url)
    if reason == "resident":
        return _("Verify your residence"), url_for("census.verify", body=rule.body_id, next=next_url)
    return None


@dataclass(frozen=True)
class Voice:
    """The keyed hash by which a person takes part in one thing once, and whether it comes from a SPID/CIE
    identity (else from the e-mail address)."""

    hash: str
    identity: bool


def voice(scope: str, thing_id: int, user, body_id: int | None = None) -> Voice | None:
    """The person's Voice in one thing: from the SPID/CIE identity linked to the account (the keyed hash of
    the fiscal code), else from the normalised e-mail address, so a new account of the same person gives the
    same value. Keyed with the secret key and bound to the thing, so two ledgers cannot be joined; None
    without an account. One query at most per request; with the thing's `body_id`, the one that also tells
    whether the person is a verified resident there (`person`)."""
    if user is None or not user.is_authenticated:
        return None
    known = _known()
    key = ("voice", scope, thing_id, user.id, body_id)
    if known is not None and key in known:  # asked by the view, then by the service
        return known[key]
    subject = person(user, body_id).subject if body_id is not None else _subject(user)
    who = f"identity:{subject}" if subject is not None else f"email:{accounts.normalize_email(user.email)}"
    found = Voice(_digest(scope, thing_id, who), subject is not None)
    if known is not None:
        known[key] = found
    return found


def _digest(scope: str, thing_id: int, who: str) -> str:
    mac = _voice_mac(current_app.config["SECRET_KEY"]).copy()
    mac.update(f"{scope}:{thing_id}:{who}".encode())
    return mac.hexdigest()


@functools.lru_cache(maxsize=4)
def _voice_mac(secret_key: str):
    """HMAC-SHA256 with the secret key over "one-voice:", made once: each voice goes on from a copy."""
    return hmac.new(secret_key.encode(), b"one-voice:", hashlib.sha256)


def email_voice(scope: str, thing_id: int, user) -> str:
    """The hash `voice` gives the account when no SPID/CIE identity is linked to it (from its e-mail
    address), made without a query: to read beside whether an identity is linked, in one query."""
    return _digest(scope, thing_id, f"email:{accounts.normalize_email(user.email)}")


def claim_voice(scope: str, thing_id: int, user) -> bool:
    """Record in the current transaction that this person takes part in this thing (census_voices, with no
    account and no time); False when the person already does, from this account or an earlier one. Atomic
    on SQLite and PostgreSQL (ON CONFLICT DO NOTHING on the primary key): of two simultaneous claims by the
    same person, one wins. True without a person to hash (no account)."""
    found = voice(scope, thing_id, user)
    if found is None:
        return True
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(VoiceRow).values(activity=scope, target_id=thing_id, person=found.hash) \
        .on_conflict_do_nothing().returning(VoiceRow.person)
    return db.session.execute(statement).first() is not None


def release_voice(scope: str, thing_id: int, user) -> None:
    """Forget the person's voice in this thing (a support or a declaration withdrawn), so the same person may
    take part again. Deleting an account never calls this: the voice outlives it."""
    found = voice(scope, thing_id, user)
    if found is not None:
        db.session.execute(delete(VoiceRow).where(VoiceRow.activity == scope, VoiceRow.target_id == thing_id,
                                                  VoiceRow.person == found.hash))
