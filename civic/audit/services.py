"""Writing to the audit log. Every service that changes public content calls record(); security events
(sign-ins, lockouts, resets, role changes, refused pages...) go through security_event()."""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re

from flask import current_app, has_request_context, request

from civic.audit.models import AuditEntry, SecurityEvent
from civic.database import db


def record(actor, action: str, obj, summary: str = "", body_id: int | None = None) -> AuditEntry:
    """Add one audit entry for `action` by `actor` (a user, or None for the system) on `obj` (any model with
    an id); flushed with the caller's change."""
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=type(obj).__tablename__ if hasattr(type(obj), "__tablename__") else type(obj).__name__,
        object_id=getattr(obj, "id", None),
        body_id=body_id if body_id is not None else getattr(obj, "body_id", None),
        summary=summary[:500],
    )
    db.session.add(entry)
    return entry


# --- security events ----------------------------------------------------------------------------------------

# The platform's kinds of security events. Features record their own (census.verified, ...) with the same
# function: a kind is a lower-case dotted name of at most 40 characters.
SIGN_IN = "sign_in.success"
SIGN_IN_FAILED = "sign_in.failure"
SIGN_IN_LOCKED = "sign_in.locked"
SIGN_OUT = "sign_out"
SESSION_EXPIRED = "session.expired"
RESET_ASKED = "password_reset.asked"
RESET_USED = "password_reset.used"
PASSWORD_CHANGED = "password.changed"
EMAIL_CHANGED = "email.changed"
ROLE_CHANGED = "role.changed"
ACCESS_REFUSED = "access.refused"
IDENTITY_SIGN_IN = "identity.sign_in"
IDENTITY_REFUSED = "identity.refused"
_KIND = re.compile(r"^[a-z][a-z_]*(\.[a-z_]+)*$")


def security_event(kind: str, user=None, email: str | None = None, detail: str = "") -> SecurityEvent:
    """Record a security event (ASVS 7.1) for `user` (an account, or None), with `email` (an address typed
    for an account that may not exist, kept only as a keyed hash) and a short `detail` that must hold no
    secret and no personal data (a role's name, a body's slug, a reason code). Added to the caller's
    transaction: commit it, also when the request otherwise changes nothing. The client's network is taken
    from the request (IPv4 /24, IPv6 /48), never its full address."""
    if len(kind) > 40 or not _KIND.match(kind):
        raise ValueError(f"not a security event kind: {kind!r}")
    event = SecurityEvent(
        kind=kind,
        user_id=getattr(user, "id", None),
        subject=subject_of(email) if email else None,
        network=client_network(),
        detail=detail[:200],
    )
    db.session.add(event)
    return event


def subject_of(email: str) -> str:
    """A keyed hash of an e-mail address: the same address gives the same 16 characters, which tell nothing
    of the address without the secret key."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"civic.subject:" + email.strip().lower().encode(), hashlib.sha256).hexdigest()[:16]


def client_network() -> str | None:
    """The network of the client of this request (after the trusted proxies, see civic.core.web): a.b.c.0/24
    for IPv4, /48 for IPv6; None outside a request or for an address that cannot be read."""
    if not has_request_context() or not request.remote_addr:
        return None
    try:
        address = ipaddress.ip_address(request.remote_addr)
    except ValueError:
        return None
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))
