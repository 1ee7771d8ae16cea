"""Sign-in with SPID and CIE: the rules. Start a request, accept an identity provider's answer, then sign the
person in, link the identity to the account they are logged in to, or create their account; single logout.

Every function validates, changes, flushes and returns; the view commits once (also after a refusal, so a
spent request stays spent)."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from civic.accounts import passwords, tokens
from civic.accounts import services as accounts
from civic.accounts.models import AuthSession, User
from civic.audit import services as audit
from civic.audit.services import record, security_event
from civic.database import db, utcnow
from civic.identity import federation, queries, settings, subjects, validation
from civic.identity.models import (
    Identity,
    IdentityLogin,
    Provider,
    RequestKind,
    RequestState,
    SamlRequest,
    SeenAssertion,
)
from civic.identity.protocol import OutgoingRequest, Verified
from civic.identity.refusals import Refusal

# How long an identity provider may take to answer, and the browser to finish once it has.
REQUEST_LIFETIME = dt.timedelta(minutes=10)
FINISH_LIFETIME = dt.timedelta(minutes=15)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _purge(now: dt.datetime) -> None:
    """Forget requests and assertions past their time (cheap: both tables are indexed by expiry)."""
    db.session.execute(delete(SamlRequest).where(SamlRequest.expires_at <= now))
    db.session.execute(delete(SeenAssertion).where(SeenAssertion.expires_at <= now))


def _check_enabled(provider: Provider) -> None:
    if not settings.enabled(provider):
        raise Refusal("disabled", f"{provider} sign-in is off", 404)


def identity_providers(provider: Provider) -> dict[str, str]:
    """The identity providers people may choose (entity id -> name), or none when the provider is off."""
    if not settings.enabled(provider):
        return {}
    return federation.service_provider(provider).identity_providers()


# --- starting --------------------------------------------------------------------------------------------


def start_login(provider: Provider, idp: str, level: int | None, next_url: str | None, browser: str,
                redirect: bool = False) -> OutgoingRequest:
    """A signed AuthnRequest to `idp` for `level` (default: the provider's sign-in level), remembered
    server-side under a new single-use RelayState with the browser that asked and where to go afterwards."""
    _check_enabled(provider)
    level = settings.default_level(provider) if level is None else level
    if level not in settings.LEVELS:
        raise Refusal("bad_level", f"level {level!r}", 400)
    sp = federation.service_provider(provider)
    if idp not in sp.identity_providers():
        raise Refusal("unknown_idp", "identity provider not trusted", 400)
    now = utcnow()
    _purge(now)
    relay_state = secrets.token_urlsafe(24)  # opaque, never a URL (AgID: no "http" in it)
    outgoing = sp.authn_request(idp, level, relay_state, redirect=redirect)
    db.session.add(SamlRequest(
        relay_hash=digest(relay_state), kind=RequestKind.LOGIN, provider=provider,
        request_id=outgoing.request_id, issued_at=outgoing.issued_at, idp_entity_id=idp, level=level,
        browser=digest(browser), next_url=next_url, created_at=now, expires_at=now + REQUEST_LIFETIME))
    db.session.flush()
    return outgoing


# --- the identity provider's answer -----------------------------------------------------------------------


def _claim(provider: Provider, kind: RequestKind, relay_state: str) -> SamlRequest:
    """The request a RelayState stands for, spent at once (single use, also under concurrency)."""
    if not relay_state:
        raise Refusal("unknown_request", "RelayState missing", 400)
    now = utcnow()
    row = db.session.scalar(queries.pending_request(digest(relay_state), kind, RequestState.SENT, now))
    if row is None or row.provider != provider:
        raise Refusal("unknown_request", "unknown, expired or spent RelayState", 400)
    spent = db.session.execute(delete(SamlRequest).where(SamlRequest.relay_hash == row.relay_hash,
                                                         SamlRequest.state == RequestState.SENT))
    if spent.rowcount != 1:
        raise Refusal("unknown_request", "RelayState spent by a parallel answer", 400)
    db.session.expunge(row)
    return row


def receive_answer(provider: Provider, saml_response: str, relay_state: str) -> str:
    """Accept an identity provider's answer to our AuthnRequest: AgID's rules, the signatures, a first use of
    the assertion, a valid fiscal code. Returns the token the same browser finishes with; Refusal otherwise.
    The fiscal code is turned into its keyed hash here and goes no further."""
    _check_enabled(provider)
    if not saml_response:
        raise Refusal("malformed", "SAMLResponse missing", 400)
    request = _claim(provider, RequestKind.LOGIN, relay_state)
    sp = federation.service_provider(provider)
    now = utcnow()
    expected = validation.Expected(
        provider=provider, request_id=request.request_id, issued_at=request.issued_at,
        idp=request.idp_entity_id, level=request.level, acs_url=sp.endpoints.acs_url,
        entity_id=sp.endpoints.entity_id, skew=sp.skew, now=now)
    verified = sp.verify(saml_response, expected)
    _first_use(verified)
    try:
        subject = subjects.subject(str(verified.attributes.get("fiscalNumber") or ""))
    except subjects.NotAFiscalCode as error:
        raise Refusal("attributes", "fiscalNumber missing or not a fiscal code") from error
    token = secrets.token_urlsafe(32)
    attributes = verified.attributes
    db.session.add(SamlRequest(
        relay_hash=digest(token), kind=RequestKind.LOGIN, state=RequestState.VERIFIED, provider=provider,
        request_id=request.request_id, issued_at=request.issued_at, idp_entity_id=verified.idp,
        level=request.level, browser=request.browser, next_url=request.next_url, subject=subject,
        verified_level=verified.level, name_id=verified.name_id[:255],
        name_qualifier=(verified.name_qualifier or verified.idp)[:255],
        session_index=(verified.session_index or None) and verified.session_index[:255],
        given_name=_text(attributes.get("name"), 100), family_name=_text(attributes.get("familyName"), 100),
        email=_email(attributes.get("email")), created_at=now, expires_at=now + FINISH_LIFETIME))
    db.session.flush()
    return token


def _text(value, length: int) -> str | None:
    text = " ".join(str(value or "").split())
    return text[:length] or None


def _email(value) -> str | None:
    text = str(value or "").strip().lower()
    return text if "@" in text and len(text) <= 254 else None


def _first_use(verified: Verified) -> None:
    """Refuse an assertion already accepted once (kept until it expires, plus the clock skew)."""
    skew = dt.timedelta(seconds=current_app.config["CIVIC_SPID_CLOCK_SKEW"])
    key = digest(f"{verified.idp}\n{verified.assertion_id}")
    try:
        with db.session.begin_nested():
            db.session.add(SeenAssertion(key=key, expires_at=verified.expires_at + skew))
    except IntegrityError as error:
        raise Refusal("replayed", "assertion already used") from error


# --- finishing in the browser that started ----------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What finishing a verified sign-in comes to: "sign_in" (a known identity, or one just linked to the
    account logged in here: `linked`), "new_account" (the person confirms the account to create) or
    "email_taken" (the e-mail the identity provider gave belongs to an account without identity: log in with
    its password first, then sign in again to link them)."""

    kind: str
    request: SamlRequest
    identity: Identity | None = None
    linked: bool = False


def verified_request(token: str, browser: str) -> SamlRequest:
    """The verified sign-in a finishing token stands for, only in the browser that started it."""
    row = db.session.scalar(queries.pending_request(digest(token or ""), RequestKind.LOGIN,
                                                    RequestState.VERIFIED, utcnow()))
    if row is None:
        raise Refusal("unknown_request", "unknown, expired or spent finishing token", 400)
    if row.browser != digest(browser):
        db.session.delete(row)
        raise Refusal("other_browser", "finished in another browser", 403)
    return row


def finish(token: str, browser: str) -> Outcome:
    """Decide what a verified sign-in does: sign a known person in, link the identity to the account logged
    in here (the person has proved both), or ask to create an account. An existing account is never taken
    over by its e-mail address alone."""
    row = verified_request(token, browser)
    identity = db.session.scalar(queries.identity_with_subject(row.subject))
    user = current_user if current_user.is_authenticated else None
    if identity is not None:
        if user is not None and user.id != identity.user_id:
            db.session.delete(row)
            raise Refusal("other_account", "identity linked to another account", 409)
        if not identity.user.is_active:
            db.session.delete(row)
            raise Refusal("inactive", "account deactivated", 403)
        _refresh(identity, row)
        return Outcome("sign_in", row, identity)
    if user is not None:
        if db.session.scalar(queries.identity_of_user(user.id)) is not None:
            db.session.delete(row)
            raise Refusal("other_identity", "the account has another identity", 409)
        identity = Identity(user_id=user.id, subject=row.subject, provider=row.provider,
                            level=row.verified_level, idp_entity_id=row.idp_entity_id)
        db.session.add(identity)
        db.session.flush()
        record(user, "identity.link", identity, f"{row.provider.value} level {row.verified_level}")
        return Outcome("sign_in", row, identity, linked=True)
    if row.email and accounts.find_by_email(row.email) is not None:
        db.session.delete(row)
        return Outcome("email_taken", row)
    return Outcome("new_account", row)


def _refresh(identity: Identity, row: SamlRequest) -> None:
    identity.provider = row.provider
    identity.level = row.verified_level
    identity.idp_entity_id = row.idp_entity_id
    identity.last_login_at = utcnow()


def create_account(token: str, browser: str, display_name: str, email: str) -> Identity:
    """Create the account of a person just verified, with the identity linked. The e-mail address is
    confirmed when it is the one the identity provider vouched for (SPID providers verify it); another one,
    or any for CIE, which sends none, gets a confirmation link. The account has no password the person
    knows: "forgot your password?" sets one."""
    row = verified_request(token, browser)
    if db.session.scalar(queries.identity_with_subject(row.subject)) is not None:
        raise Refusal("unknown_request", "identity created meanwhile", 409)
    email = accounts.normalize_email(email)
    if accounts.find_by_email(email) is not None:
        raise accounts.AccountError(_email_taken_message())
    now = utcnow()
    user = User(email=email, display_name=display_name.strip(),
                password_hash=passwords.hash_password(secrets.token_urlsafe(32)), privacy_accepted_at=now,
                password_changed_at=now, email_confirmed_at=now if email == row.email else None,
                locale=str(get_locale()))
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError as error:
        raise accounts.AccountError(_email_taken_message()) from error
    if user.email_confirmed_at is None:
        accounts.send_confirmation(user)
    identity = Identity(user_id=user.id, subject=row.subject, provider=row.provider, level=row.verified_level,
                        idp_entity_id=row.idp_entity_id)
    db.session.add(identity)
    db.session.flush()
    record(user, "identity.create_account", identity, f"{row.provider.value} level {row.verified_level}")
    return identity


def _email_taken_message() -> str:
    return _("This e-mail address belongs to an account. Log in with its password, then sign in with SPID or "
             "CIE again to link them.")


def open_login(identity: Identity, row: SamlRequest, session_token: str) -> None:
    """Record how the login session just started (accounts.auth.log_in) was opened, and spend the request."""
    db.session.add(IdentityLogin(
        session_hash=tokens.digest(session_token), identity_id=identity.id, provider=row.provider,
        level=row.verified_level, idp_entity_id=row.idp_entity_id, name_id=row.name_id,
        name_qualifier=row.name_qualifier, session_index=row.session_index))
    db.session.delete(row)
    how = f"{row.provider.value} level {row.verified_level}"
    record(identity.user, "identity.sign_in", identity, how)
    security_event(audit.IDENTITY_SIGN_IN, identity.user, detail=how)
    db.session.flush()


# --- single logout --------------------------------------------------------------------------------------


def start_logout(session_token: str, browser: str) -> OutgoingRequest | None:
    """A signed LogoutRequest for the identity provider that opened this login session, or None when there is
    none to send: a password log-in, CIE (its SAML logout is not offered) or an identity provider without
    single logout. The caller ends the local session either way."""
    login = db.session.scalar(queries.login_of_session(tokens.digest(session_token)))
    if login is None or login.provider is Provider.CIE or not settings.enabled(login.provider):
        return None
    sp = federation.service_provider(login.provider)
    if not sp.has_single_logout(login.idp_entity_id):
        return None
    now = utcnow()
    relay_state = secrets.token_urlsafe(24)
    outgoing = sp.logout_request(login.idp_entity_id, login.name_id, login.name_qualifier,
                                 login.session_index, relay_state)
    db.session.add(SamlRequest(
        relay_hash=digest(relay_state), kind=RequestKind.LOGOUT, provider=login.provider,
        request_id=outgoing.request_id, issued_at=outgoing.issued_at, idp_entity_id=login.idp_entity_id,
        level=0, browser=digest(browser), created_at=now, expires_at=now + REQUEST_LIFETIME))
    db.session.flush()
    return outgoing


def receive_logout_answer(provider: Provider, saml_response: str, relay_state: str, redirect: bool) -> bool:
    """Whether the identity provider confirmed our LogoutRequest (the local session ended already)."""
    request = _claim(provider, RequestKind.LOGOUT, relay_state)
    return federation.service_provider(provider).logout_response(saml_response, redirect, request.request_id)


def logout_from_idp(provider: Provider, saml_request: str, relay_state: str | None, redirect: bool,
                    sigalg: str | None, signature: str | None) -> str:
    """An identity provider's LogoutRequest: end every login session its NameID opened here (found
    server-side: the request carries no cookie), and answer with a signed LogoutResponse."""
    _check_enabled(provider)
    sp = federation.service_provider(provider)
    request = sp.parse_logout_request(saml_request, redirect, relay_state, sigalg, signature)
    message = request.message
    if message.name_id is None or not (message.name_id.text or "").strip():
        raise Refusal("invalid", "LogoutRequest without NameID", 400)
    sessions = queries.sessions_of_name_id(message.issuer.text.strip(), message.name_id.text.strip())
    db.session.execute(delete(AuthSession).where(AuthSession.token_hash.in_(sessions)))
    return sp.logout_answer(request, True, relay_state)
