from __future__ import annotations

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
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from matchmaker import background, throttling
from matchmaker.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    SetPasswordForm,
)
from matchmaker.auth.sessions import (
    end_all_sessions,
    log_out,
    renew_after_password_change,
    start_session,
)
from matchmaker.extensions import db
from matchmaker.services import invitations
from matchmaker.services.accounts import MIN_PASSWORD_LENGTH, authenticate, get_user_by_email
from matchmaker.urls import can_mail_links, public_base_url, safe_redirect_target

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        failed = throttling.failed_logins(form.email.data or "")
        if (seconds := failed.seconds_to_wait()) is not None:
            # Refused even with the right password, so guessing on gains nothing.
            form.password.errors = [
                _("Demasiados intentos fallidos.") + " " + throttling.wait_message(seconds)
            ]
            return throttling.too_many(render_template("auth/login.html", form=form), seconds)
        user = authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            start_session(user)
            db.session.commit()
            return redirect(safe_redirect_target(request.args.get("next")))
        failed.record()
        form.password.errors = [_("Correo o contraseña incorrectos.")]
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    if current_user.is_authenticated:
        log_out(current_user._get_current_object())
        db.session.commit()
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> str | Response:
    form = ChangePasswordForm(account=current_user)
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data or ""):
            form.current.errors = [_("La contraseña actual no es correcta.")]
        else:
            current_user.set_password(form.new.data or "")
            renew_after_password_change(current_user._get_current_object())
            db.session.commit()
            flash(_("Contraseña cambiada."), "success")
            return redirect(url_for("main.home"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password() -> str | Response:
    """Mail a link to choose a new password. The answer is the same whether or not the
    address has an account, so the page tells nobody who is registered."""
    form = ForgotPasswordForm()
    mail_configured = can_mail_links()
    if mail_configured and form.validate_on_submit():
        throttling.password_link_requests(form.email.data or "").take()
        user = get_user_by_email(form.email.data or "")
        if user is not None and invitations.invite([user]):
            background.enqueue("send_account_invitations", public_base_url())
            db.session.commit()
        flash(_("Si hay una cuenta con ese correo, te hemos enviado un enlace para elegir "
                "una contraseña nueva."), "success")  # fmt: skip
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form, mail=mail_configured)


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> str | Response:
    """An invited person chooses their password and is logged in."""
    user = invitations.user_for_token(token, current_app.config["SECRET_KEY"])
    if user is None:
        return make_response(render_template("auth/invitation_invalid.html"), 404)
    if request.method == "POST":
        throttling.invitation_posts(user.id).take()
    form = SetPasswordForm(account=user)
    if form.validate_on_submit():
        invitations.accept_invitation(user, form.new.data or "")
        end_all_sessions(user)  # a new password: sessions from before it end
        start_session(user)
        db.session.commit()
        flash(_("Bienvenida/o: tu contraseña está guardada."), "success")
        return redirect(url_for("organiser.index" if user.is_organiser else "participant.index"))
    return render_template("auth/accept_invitation.html", form=form, user=user,
                           min_length=MIN_PASSWORD_LENGTH)  # fmt: skip
