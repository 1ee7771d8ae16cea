"""Who is asking: the session-backed user loader and the access rules views share."""
from __future__ import annotations

import functools
import time
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from civic.accounts import people, services
from civic.audit import services as audit
from civic.audit.services import security_event
from civic.core.pagecache import kept_person_wanted
from civic.database import db
from civic.extensions import login_manager

# In the signed session cookie: the time of the last request (seconds), and whether it is a remembered one.
SEEN = "_seen"
REMEMBERED = "_remembered"

login_manager.login_view = "accounts.login"
login_manager.login_message = _l("Please log in to continue.")
login_manager.login_message_category = "info"
# Sessions are server-side (AuthSession); Flask-Login's own protection would only log people out on a new IP.
login_manager.session_protection = None


@login_manager.user_loader
def _load_user(token: str):
    if kept_person_wanted():  # a kept page's slots: who this process knows (civic/accounts/people.py)
        return people.known(token)
    return services.load_session_user(token)


def fresh_session() -> None:
    """Empty the cookie session; only the chosen language carries over."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language


def log_in(user, remember: bool = False) -> None:
    """Start a new login session under a new identifier; the one this browser had (if any) ends. The same for
    every way of logging in (password, SPID, CIE). Only a remembered session (a citizen's choice, see
    services.start_session) gets a cookie that outlives the browser."""
    if current_user.is_authenticated:
        services.end_session(current_user.auth_token)
    fresh_session()
    services.start_session(user, remember)
    login_user(user)
    session.permanent = user.session_remembered
    session[REMEMBERED] = user.session_remembered
    session[SEEN] = int(time.time())


def end_idle_session():
    """Log out a session left without a request for CIVIC_SESSION_IDLE_MINUTES (ASVS 3.3.2), sliding: each
    request moves the idle end on. The time of the last request is kept in the signed session cookie, written
    again at most once a minute; remembered sessions have no idle end. Anonymous visitors are not touched
    (they get no session cookie, see civic.core.pagecache)."""
    kept = session._get_current_object()  # read up to five times on every request: once through the proxy
    if "_user_id" not in kept or kept.get(REMEMBERED) or request.endpoint == "static":
        return None
    now = int(time.time())
    idle = current_app.config["CIVIC_SESSION_IDLE_MINUTES"]
    seen = kept.get(SEEN, 0)
    if now - seen <= idle * 60:
        if now - seen >= 60:
            g.civic_seen_now = now  # written after the view (`_write_seen`), which sees the session as sent
        return None
    if current_user.is_authenticated:
        security_event(audit.SESSION_EXPIRED, current_user, detail="idle")
        services.end_session(current_user.auth_token)
        db.session.commit()
    logout_user()
    fresh_session()
    flash(_("You were logged out after %(minutes)d minutes without activity. Log in again to go on.",
            minutes=idle), "info")
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")
                            if request.method == "GET" else None))


def _write_seen(response):
    """The time of this request into the session cookie, once the view is done: a page whose shared render
    is kept (civic.core.pagecache) tells a render that writes to the session from one that does not, and
    the minute's refresh of this time is not the page's doing."""
    seen = g.pop("civic_seen_now", None)
    if seen is not None and "_user_id" in session:
        session[SEEN] = seen
    return response


def confirmed_required(view):
    """Logged in with a confirmed e-mail address; otherwise to the login page or to the resend page."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.is_confirmed:
            flash(_l("Confirm your e-mail address first: we sent you a link."), "warning")
            return redirect(url_for("accounts.profile"))
        return view(*args, **kwargs)

    return wrapper


def require_manager_of(body_id: int | None) -> None:
    """403 unless the current user may manage content of this body."""
    if not current_user.is_authenticated or not current_user.can_manage(body_id):
        abort(403)


def guard_manage_area() -> None:
    """Deny by default: everything under /manage/ needs a councillor or an admin, /manage/admin/ an admin.
    Runs before any view (and before CSRF), so a new route cannot forget it."""
    path = request.path
    if not path.startswith("/manage/") and path != "/manage":
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if path.startswith("/manage/admin"):
        allowed = current_user.is_admin
    else:
        allowed = (current_user.is_admin or current_user.is_councillor) and current_user.is_active
    if not allowed:
        security_event(audit.ACCESS_REFUSED, current_user, detail=path[:200])
        db.session.commit()
        abort(403)
    return None


def safe_next(target: str | None) -> str | None:
    r"""A `next` address only when it stays on this site (a path, no scheme or host, no backslashes, no
    control characters or spaces, which browsers drop: "/\t/evil.example" becomes "//evil.example")."""
    if not target or "\\" in target or not target.startswith("/") or target.startswith("//"):
        return None
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def init_app(app: Flask) -> None:
    # The guard goes first, so a citizen is refused before anything else looks at the request; before it only
    # the end of an idle session, so a session past its idle end is refused too.
    app.before_request_funcs.setdefault(None, []).insert(0, guard_manage_area)
    app.before_request_funcs[None].insert(0, end_idle_session)
    app.after_request(_write_seen)
    people.init_app(app)
