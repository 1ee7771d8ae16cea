"""SPID and CIE endpoints: /spid/... and /cie/... (metadata, login, acs, finish, slo) and the logout that
also ends the identity provider's session. Thin: parse, call civic.identity.services, commit, answer."""
from __future__ import annotations

import logging
import secrets
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from civic.accounts import auth
from civic.accounts import services as accounts
from civic.audit import services as audit
from civic.audit.services import security_event
from civic.core.forms import EmptyForm
from civic.core.web import content_security_policy
from civic.database import db
from civic.extensions import csrf, limiter
from civic.identity import federation, services, settings
from civic.identity.forms import NewAccountForm
from civic.identity.models import Provider
from civic.identity.refusals import Refusal, message

log = logging.getLogger(__name__)
bp = Blueprint("identity", __name__)
PROVIDERS = "<any(spid, cie):provider>"
BROWSER = "identity_browser"
# Set at sign-in: the header's "Log out" then goes through single logout (cleared with the session).
SIGNED_IN_WITH = "identity_provider"


def _limit():
    return limiter.limit(lambda: current_app.config["CIVIC_LIMIT_LOGIN"])


def _provider(name: str) -> Provider:
    provider = Provider(name)
    if not settings.enabled(provider):
        abort(404)
    return provider


def _browser() -> str:
    """A random value of this browser's session: a sign-in finishes only where it started."""
    if BROWSER not in session:
        session[BROWSER] = secrets.token_urlsafe(24)
    return session[BROWSER]


def _refused(refusal: Refusal):
    """The refusal page in the person's language, with a 4xx status (AgID's validator reads only that)."""
    log.info("identity: refused (%s): %s", refusal.reason, refusal.detail)
    security_event(audit.IDENTITY_REFUSED, current_user if current_user.is_authenticated else None,
                   detail=f"{request.view_args.get('provider', '')} {refusal.reason}".strip())
    db.session.commit()
    title, text = message(refusal)
    return render_template("identity/refused.html", title=title, text=text, anomaly=refusal.anomaly,
                           code=refusal.status), refusal.status


@bp.get(f"/{PROVIDERS}/metadata")
def metadata(provider: str):
    sp = federation.service_provider(_provider(provider))
    return Response(sp.metadata(), mimetype="application/samlmetadata+xml")


@bp.get(f"/{PROVIDERS}/login")
@_limit()
def login(provider: str):
    """Start a sign-in: ?idp=<entity id>&level=1|2|3&next=<path>[&binding=redirect]."""
    chosen = _provider(provider)
    try:
        level = int(request.args["level"]) if request.args.get("level") else None
    except ValueError:
        return _refused(Refusal("bad_level", "level not a number", 400))
    try:
        outgoing = services.start_login(chosen, request.args.get("idp", ""), level,
                                        auth.safe_next(request.args.get("next")), _browser(),
                                        redirect=request.args.get("binding") == "redirect")
    except Refusal as refusal:
        db.session.rollback()
        return _refused(refusal)
    db.session.commit()
    if outgoing.location:
        return redirect(outgoing.location, 302)
    response = Response(render_template("identity/post_binding.html", outgoing=outgoing))
    # The form goes to the identity provider: allow that one address as a form target.
    target = urlsplit(outgoing.destination)
    response.headers["Content-Security-Policy"] = content_security_policy().replace(
        "form-action 'self'", f"form-action 'self' {target.scheme}://{target.netloc}")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post(f"/{PROVIDERS}/acs")
@csrf.exempt  # the identity provider's signed answer, posted cross-site: no session cookie, no CSRF token
@_limit()
def acs(provider: str):
    chosen = _provider(provider)
    try:
        token = services.receive_answer(chosen, request.form.get("SAMLResponse", ""),
                                        request.form.get("RelayState", ""))
    except Refusal as refusal:
        db.session.commit()  # the request stays spent
        return _refused(refusal)
    db.session.commit()
    # The cookie of the browser that started comes with this same-site navigation, not with the POST.
    return redirect(url_for("identity.finish", provider=provider, token=token), 303)


@bp.route(f"/{PROVIDERS}/finish/<token>", methods=["GET", "POST"])
def finish(provider: str, token: str):
    """Sign the person in, link the identity, or confirm the account to create."""
    _provider(provider)
    form = NewAccountForm()
    try:
        if request.method == "POST":
            return _create_account(provider, token, form)
        outcome = services.finish(token, _browser())
    except Refusal as refusal:
        db.session.commit()
        return _refused(refusal)
    if outcome.kind == "sign_in":
        return _signed_in(outcome.identity, outcome.request, linked=outcome.linked)
    if outcome.kind == "email_taken":
        db.session.commit()
        return render_template("identity/email_taken.html", email=outcome.request.email,
                               login_url=url_for("accounts.login")), 409
    row = outcome.request
    form.display_name.data = " ".join(part for part in (row.given_name, row.family_name) if part)
    form.email.data = row.email or ""
    return render_template("identity/new_account.html", form=form, request_row=row, token=token)


def _create_account(provider: str, token: str, form: NewAccountForm):
    row = services.verified_request(token, _browser())
    if form.validate_on_submit():
        try:
            identity = services.create_account(token, _browser(), form.display_name.data, form.email.data)
        except accounts.AccountError as error:
            db.session.rollback()
            form.email.errors.append(str(error))
        else:
            return _signed_in(identity, services.verified_request(token, _browser()), created=True)
    return render_template("identity/new_account.html", form=form, request_row=row, token=token), 422


def _signed_in(identity, row, linked: bool = False, created: bool = False):
    """A login session, exactly as the password log-in opens it, then where the person was going."""
    target = row.next_url or url_for("core.home")
    user = identity.user
    auth.log_in(user)
    services.open_login(identity, row, user.auth_token)
    session[SIGNED_IN_WITH] = row.provider.value
    db.session.commit()
    if created:
        flash(_("Welcome, %(name)s: your account is ready.", name=user.display_name), "success")
        if not user.is_confirmed:
            flash(_("We sent you a link to confirm your e-mail address."), "info")
    elif linked:
        flash(_("Your digital identity is now linked to your account."), "success")
    else:
        flash(_("Welcome, %(name)s.", name=user.display_name), "success")
    return redirect(target)


@bp.post("/identity/logout")
def logout():
    """Log out here, and at the identity provider too when it offers single logout (SPID)."""
    outgoing = None
    if EmptyForm().validate_on_submit() and current_user.is_authenticated:
        outgoing = services.start_logout(current_user.auth_token, _browser())
        accounts.end_session(current_user.auth_token)
        db.session.commit()
        logout_user()
    auth.fresh_session()
    if outgoing is not None:
        return redirect(outgoing.location, 302)
    flash(_("You have logged out."), "info")
    return redirect(url_for("core.home"))


@bp.route(f"/{PROVIDERS}/slo", methods=["GET", "POST"])
@csrf.exempt  # messages from the identity provider, signed
def single_logout(provider: str):
    chosen = _provider(provider)
    data = request.form if request.method == "POST" else request.args
    redirected = request.method == "GET"
    if data.get("SAMLResponse"):  # the identity provider's answer to our LogoutRequest
        try:
            confirmed = services.receive_logout_answer(chosen, data["SAMLResponse"],
                                                       data.get("RelayState", ""), redirected)
        except Refusal:
            confirmed = False
        db.session.commit()
        flash(_("You have logged out.") if confirmed else
              _("You have logged out of Civic. The identity provider did not confirm that you are logged out "
                "there too: close the browser to be sure."), "info" if confirmed else "warning")
        return redirect(url_for("core.home"))
    if data.get("SAMLRequest"):  # the identity provider ends the person's sessions
        try:
            location = services.logout_from_idp(chosen, data["SAMLRequest"], data.get("RelayState"),
                                                redirected, data.get("SigAlg"), data.get("Signature"))
        except Refusal as refusal:
            db.session.rollback()
            return _refused(refusal)
        db.session.commit()
        return redirect(location, 302)
    return _refused(Refusal("malformed", "neither SAMLRequest nor SAMLResponse", 400))
