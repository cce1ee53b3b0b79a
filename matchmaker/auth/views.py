from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from matchmaker.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    SetPasswordForm,
)
from matchmaker.extensions import db, limiter
from matchmaker.orm import utcnow
from matchmaker.services import invitations
from matchmaker.services.accounts import MIN_PASSWORD_LENGTH, authenticate, get_user_by_email
from matchmaker.urls import public_base_url

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute; 50 per hour", methods=["POST"])
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            login_user(user)
            user.last_login_at = utcnow()
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors = [_("Correo o contraseña incorrectos.")]
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    logout_user()
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> str | Response:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data or ""):
            form.current.errors = [_("La contraseña actual no es correcta.")]
        else:
            current_user.set_password(form.new.data or "")
            db.session.commit()
            flash(_("Contraseña cambiada."), "success")
            return redirect(url_for("main.home"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per minute; 20 per hour", methods=["POST"])
def forgot_password() -> str | Response:
    """Mail a link to choose a new password. The answer is the same whether or not the
    address has an account, so the page tells nobody who is registered."""
    form = ForgotPasswordForm()
    mail_configured = bool(current_app.config["SMTP_URL"])
    if mail_configured and form.validate_on_submit():
        user = get_user_by_email(form.email.data or "")
        if user is not None and invitations.invite([user]):
            db.session.commit()
            from workers.tasks import send_account_invitations

            send_account_invitations.delay(public_base_url())
        flash(_("Si hay una cuenta con ese correo, te hemos enviado un enlace para elegir "
                "una contraseña nueva."), "success")  # fmt: skip
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form, mail=mail_configured)


@bp.route("/invite/<token>", methods=["GET", "POST"])
@limiter.limit("10 per minute; 50 per hour", methods=["POST"])
def accept_invitation(token: str) -> str | Response:
    """An invited person chooses their password and is logged in."""
    user = invitations.user_for_token(token, current_app.config["SECRET_KEY"])
    if user is None:
        return make_response(render_template("auth/invitation_invalid.html"), 404)
    form = SetPasswordForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            logout_user()
        invitations.accept_invitation(user, form.new.data or "")
        login_user(user)
        db.session.commit()
        flash(_("Bienvenida/o: tu contraseña está guardada."), "success")
        return redirect(url_for("organiser.index" if user.is_organiser else "participant.index"))
    return render_template("auth/accept_invitation.html", form=form, user=user,
                           min_length=MIN_PASSWORD_LENGTH)  # fmt: skip


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect would help phishing."""
    if target and target.startswith("/") and not urlsplit(target).netloc and "\\" not in target:
        return target
    return url_for("main.home")
