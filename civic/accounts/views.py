"""Account pages under /account/: thin views over civic.accounts.services."""
from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, logout_user

from civic.accounts import auth, export, queries, services
from civic.accounts.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    DeleteAccountForm,
    LoginForm,
    RegisterForm,
    ResetForm,
    ResetRequestForm,
)
from civic.accounts.tokens import TokenError
from civic.audit import services as audit
from civic.audit.services import security_event
from civic.core import features
from civic.core.forms import EmptyForm
from civic.database import db
from civic.extensions import limiter

bp = Blueprint("accounts", __name__, url_prefix="/account")


def _limit(name: str):
    return limiter.limit(lambda: current_app.config[name], methods=["POST"])


def _form_status(form) -> int:
    """422 when a form comes back with errors to correct, as the house style wants."""
    return 422 if form.errors else 200


def _token_message(error: TokenError) -> str:
    if error.reason == "expired":
        return _("This link has expired. Ask for a new one.")
    return _("This link is not valid or has already been used.")


@bp.route("/register", methods=["GET", "POST"])
@_limit("CIVIC_LIMIT_REGISTER")
def register():
    if current_user.is_authenticated:
        return redirect(url_for("accounts.profile"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            services.register(form.email.data, form.display_name.data, form.password.data)
        except services.TooManyMails as error:
            db.session.rollback()
            form.email.errors.append(str(error))
            return render_template("accounts/register.html", form=form), 429
        db.session.commit()
        return render_template("accounts/check_email.html", email=services.normalize_email(form.email.data))
    return render_template("accounts/register.html", form=form), _form_status(form)


# No secret in addresses that reach logs (ASVS 7.1.1, 3.1.1): a link from an e-mail hands its token to the
# session at once and redirects to an address without it; the pages and their forms read it from there. A
# reset link's token is also exchanged for a new one (services.exchange_reset_token), so the one an access
# log or a proxy may have kept no longer works. (Confirmation and e-mail change links can only finish what
# the owner asked for, and work once: after the change they no longer match.)
LINK_TOKENS = {"confirm": "_link_confirm", "reset": "_link_reset", "change-email": "_link_change_email"}


def _keep_link(kind: str, token: str, endpoint: str):
    session[LINK_TOKENS[kind]] = token
    response = redirect(url_for(endpoint), 303)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _link_token(kind: str) -> str:
    """The token a link left in the session ("" when none: the page then says the link is not valid)."""
    token = session.get(LINK_TOKENS[kind])
    return token if isinstance(token, str) else ""


@bp.get("/confirm/<token>")
def open_confirmation(token: str):
    try:
        services.confirmation_user(token)
    except TokenError as error:
        return _token_problem(error)
    return _keep_link("confirm", token, "accounts.confirm_email")


@bp.route("/confirm", methods=["GET", "POST"])
def confirm_email():
    """The page a confirmation link leads to shows a button; the POST confirms (a mail scanner opening links
    changes nothing)."""
    token = _link_token("confirm")
    try:
        user = services.confirmation_user(token)
    except TokenError as error:
        return _token_problem(error)
    form = EmptyForm()
    if form.validate_on_submit():
        services.confirm_email(token)
        db.session.commit()
        session.pop(LINK_TOKENS["confirm"], None)
        flash(_("Thank you: your e-mail address is confirmed."), "success")
        return redirect(url_for("accounts.profile" if current_user.is_authenticated else "accounts.login"))
    return render_template("accounts/confirm.html", form=form, email=user.email,
                           action=url_for("accounts.confirm_email"))


def _token_problem(error: TokenError, reset: bool = False):
    flash(_token_message(error), "danger")
    return render_template("accounts/token_problem.html", reset=reset), 400


@bp.post("/confirm/resend")
@login_required
@_limit("CIVIC_LIMIT_RESET")
def resend_confirmation():
    form = EmptyForm()
    if form.validate_on_submit() and not current_user.is_confirmed:
        try:
            services.check_mail_budget("confirm", current_user.email)
        except services.TooManyMails as error:
            flash(str(error), "warning")
        else:
            services.send_confirmation(current_user)
            db.session.commit()
            flash(_("We sent you a new confirmation link."), "info")
    return redirect(url_for("accounts.profile"))


@bp.route("/login", methods=["GET", "POST"])
@_limit("CIVIC_LIMIT_LOGIN")
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = auth.safe_next(request.args.get("next")) or ""
    if form.validate_on_submit():
        try:
            user = services.sign_in(form.email.data, form.password.data)
        except services.SignInPaused as paused:
            user = None
            form.password.errors.append(_paused_message(paused.seconds))
        else:
            if user is None:
                form.password.errors.append(_("E-mail address or password not correct."))
        if user is None:
            db.session.commit()  # the failure counts, and the security events stay
        else:
            target = auth.safe_next(form.next.data) or url_for("core.home")
            auth.log_in(user, remember=form.remember.data)
            db.session.commit()
            flash(_("Welcome, %(name)s.", name=user.display_name), "success")
            return redirect(target)
    return render_template("accounts/login.html", form=form), _form_status(form)


def _paused_message(seconds: int) -> str:
    minutes = max(1, round(seconds / 60))
    return ngettext("Too many failed attempts to log in to this account: logging in is paused. Try again in "
                    "%(num)d minute, or reset your password.",
                    "Too many failed attempts to log in to this account: logging in is paused. Try again in "
                    "%(num)d minutes, or reset your password.", minutes)


@bp.post("/logout")
def logout():
    form = EmptyForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        security_event(audit.SIGN_OUT, current_user)
        services.end_session(current_user.auth_token)
        db.session.commit()
        logout_user()
    auth.fresh_session()
    flash(_("You have logged out."), "info")
    return redirect(url_for("core.home"))


@bp.route("/reset", methods=["GET", "POST"])
@_limit("CIVIC_LIMIT_RESET")
def request_reset():
    form = ResetRequestForm()
    if form.validate_on_submit():
        try:
            services.request_password_reset(form.email.data)
        except services.TooManyMails as error:
            db.session.rollback()
            form.email.errors.append(str(error))
            return render_template("accounts/request_reset.html", form=form), 429
        db.session.commit()
        return render_template("accounts/check_email.html", email=services.normalize_email(form.email.data),
                               reset=True)
    return render_template("accounts/request_reset.html", form=form), _form_status(form)


@bp.get("/reset/<token>")
@_limit("CIVIC_LIMIT_RESET")
def open_reset(token: str):
    try:
        fresh = services.exchange_reset_token(token)
    except TokenError as error:
        return _token_problem(error, reset=True)
    db.session.commit()
    return _keep_link("reset", fresh, "accounts.reset_password")


@bp.route("/new-password", methods=["GET", "POST"])
@_limit("CIVIC_LIMIT_RESET")
def reset_password():
    token = _link_token("reset")
    try:
        row = services.check_reset_token(token)
    except TokenError as error:
        return _token_problem(error, reset=True)
    form = ResetForm(person=row.user)
    if form.validate_on_submit():
        services.reset_password(token, form.password.data)
        db.session.commit()
        session.pop(LINK_TOKENS["reset"], None)
        flash(_("Your password has been changed. You can now log in."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form), _form_status(form)


@bp.get("/")
@login_required
def profile():
    return render_template("accounts/profile.html", resend_form=EmptyForm())


@bp.route("/password", methods=["GET", "POST"])
@login_required
@_limit("CIVIC_LIMIT_LOGIN")
def change_password():
    form = ChangePasswordForm(person=current_user)
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data)
        except services.AccountError as error:
            db.session.rollback()
            form.current_password.errors.append(str(error))
        else:
            # Every other session ended; this one continues under a new identifier.
            user = current_user._get_current_object()
            auth.log_in(user)
            db.session.commit()
            flash(_("Your password has been changed. Other sessions have been logged out."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/change_password.html", form=form), _form_status(form)


@bp.route("/email", methods=["GET", "POST"])
@login_required
@_limit("CIVIC_LIMIT_LOGIN")
def change_email():
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            services.request_email_change(current_user, form.current_password.data, form.email.data)
        except services.AccountError as error:
            db.session.rollback()
            form.current_password.errors.append(str(error))
        else:
            db.session.commit()
            return render_template("accounts/check_email.html",
                                   email=services.normalize_email(form.email.data), change=True)
    return render_template("accounts/change_email.html", form=form), _form_status(form)


@bp.get("/email/confirm/<token>")
def open_email_change(token: str):
    try:
        services.email_change_request(token)
    except TokenError as error:
        return _token_problem(error)
    return _keep_link("change-email", token, "accounts.confirm_email_change")


@bp.route("/email/confirm", methods=["GET", "POST"])
def confirm_email_change():
    token = _link_token("change-email")
    try:
        _user, new_email = services.email_change_request(token)
    except TokenError as error:
        return _token_problem(error)
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            services.confirm_email_change(token)
        except services.AccountError as error:
            db.session.rollback()
            flash(str(error), "danger")
            return render_template("accounts/token_problem.html"), 409
        db.session.commit()
        session.pop(LINK_TOKENS["change-email"], None)
        flash(_("Your e-mail address has been changed."), "success")
        return redirect(url_for("accounts.profile" if current_user.is_authenticated else "accounts.login"))
    return render_template("accounts/confirm.html", form=form, email=new_email, change=True,
                           action=url_for("accounts.confirm_email_change"))


def _records() -> list[tuple]:
    """(kind, how many) for each kind of record the features keep about the person: one query."""
    kinds = list(features.each("personal_data"))
    if not kinds:
        return []
    counts = db.session.execute(queries.record_counts(current_user.id, kinds)).one()
    return list(zip(kinds, counts, strict=True))


@bp.get("/data")
@login_required
def my_data():
    return render_template("accounts/my_data.html", records=_records())


@bp.get("/data/download")
@login_required
def download_data():
    """The person's data as a JSON file, written while it is sent."""
    user = current_user._get_current_object()
    response = Response(stream_with_context(export.document(user)), mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{export.filename()}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/delete", methods=["GET", "POST"])
@login_required
@_limit("CIVIC_LIMIT_LOGIN")
def delete_account():
    refusal = services.deletion_refusal(current_user)
    form = DeleteAccountForm()
    if refusal is None and form.validate_on_submit():
        try:
            services.delete_account(current_user._get_current_object(), form.current_password.data)
        except services.AccountError as error:
            db.session.rollback()
            form.current_password.errors.append(str(error))
        else:
            db.session.commit()
            logout_user()
            auth.fresh_session()
            flash(_("Your account has been deleted. Thank you for taking part."), "success")
            return redirect(url_for("core.home"))
    status = 409 if refusal and request.method == "POST" else _form_status(form)
    return render_template("accounts/delete.html", form=form, refusal=refusal, records=_records()), status
