"""Account pages under /account/: thin views over civic.accounts.services."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from civic.accounts import auth, services
from civic.accounts.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    EmptyForm,
    LoginForm,
    RegisterForm,
    ResetForm,
    ResetRequestForm,
)
from civic.accounts.tokens import TokenError
from civic.database import db
from civic.extensions import limiter

bp = Blueprint("accounts", __name__, url_prefix="/account")


def _limit(name: str):
    return limiter.limit(lambda: current_app.config[name], methods=["POST"])


def _log_in(user) -> None:
    """Start a fresh session: nothing from the anonymous session carries over except the language."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    services.start_session(user)
    login_user(user)


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
        services.register(form.email.data, form.display_name.data, form.password.data)
        db.session.commit()
        return render_template("accounts/check_email.html", email=services.normalize_email(form.email.data))
    return render_template("accounts/register.html", form=form)


@bp.get("/confirm/<token>")
def confirm_email(token: str):
    try:
        services.confirm_email(token)
    except TokenError as error:
        flash(_token_message(error), "danger")
        return render_template("accounts/token_problem.html"), 400
    db.session.commit()
    flash(_("Thank you: your e-mail address is confirmed."), "success")
    return redirect(url_for("accounts.profile" if current_user.is_authenticated else "accounts.login"))


@bp.post("/confirm/resend")
@login_required
@_limit("CIVIC_LIMIT_RESET")
def resend_confirmation():
    form = EmptyForm()
    if form.validate_on_submit() and not current_user.is_confirmed:
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
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            db.session.rollback()
            form.password.errors.append(_("E-mail address or password not correct."))
        else:
            target = auth.safe_next(form.next.data) or url_for("core.home")
            _log_in(user)
            db.session.commit()
            flash(_("Welcome, %(name)s.", name=user.display_name), "success")
            return redirect(target)
    return render_template("accounts/login.html", form=form), (200 if not form.errors else 422)


@bp.post("/logout")
def logout():
    form = EmptyForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        services.end_session(current_user.auth_token)
        db.session.commit()
        logout_user()
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    flash(_("You have logged out."), "info")
    return redirect(url_for("core.home"))


@bp.route("/reset", methods=["GET", "POST"])
@_limit("CIVIC_LIMIT_RESET")
def request_reset():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        return render_template("accounts/check_email.html", email=services.normalize_email(form.email.data),
                               reset=True)
    return render_template("accounts/request_reset.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@_limit("CIVIC_LIMIT_RESET")
def reset_password(token: str):
    try:
        services.check_reset_token(token)
    except TokenError as error:
        flash(_token_message(error), "danger")
        return render_template("accounts/token_problem.html", reset=True), 400
    form = ResetForm()
    if form.validate_on_submit():
        services.reset_password(token, form.password.data)
        db.session.commit()
        flash(_("Your password has been changed. You can now log in."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form, token=token)


@bp.get("/")
@login_required
def profile():
    return render_template("accounts/profile.html", resend_form=EmptyForm())


@bp.route("/password", methods=["GET", "POST"])
@login_required
@_limit("CIVIC_LIMIT_LOGIN")
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data)
        except services.AccountError as error:
            db.session.rollback()
            form.current_password.errors.append(str(error))
        else:
            # Every other session ended; this one continues under a new identifier.
            user = current_user._get_current_object()
            _log_in(user)
            db.session.commit()
            flash(_("Your password has been changed. Other sessions have been logged out."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/change_password.html", form=form), (200 if not form.errors else 422)


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
            return render_template("accounts/check_email.html", email=services.normalize_email(form.email.data),
                                   change=True)
    return render_template("accounts/change_email.html", form=form), (200 if not form.errors else 422)


@bp.get("/email/confirm/<token>")
def confirm_email_change(token: str):
    try:
        services.confirm_email_change(token)
    except TokenError as error:
        flash(_token_message(error), "danger")
        return render_template("accounts/token_problem.html"), 400
    except services.AccountError as error:
        flash(str(error), "danger")
        return render_template("accounts/token_problem.html"), 409
    db.session.commit()
    flash(_("Your e-mail address has been changed."), "success")
    return redirect(url_for("accounts.profile" if current_user.is_authenticated else "accounts.login"))
