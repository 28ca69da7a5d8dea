"""Signing in with a second factor, and each person's account security page."""

from django.urls import path

from frontend.account import views_invitation, views_password, views_security, views_sign_in

urlpatterns = [
    path("sign-in/", views_sign_in.SignInView.as_view(), name="sign-in"),
    path("sign-in/code/", views_sign_in.verify_code, name="two-factor-verify"),
    path("account/security/", views_security.security, name="account-security"),
    path("invitations/<str:token>/", views_invitation.accept, name="invitation-accept"),
    path("account/password/", views_password.change_password, name="password-change"),
    path("account/security/set-up/", views_security.set_up, name="two-factor-set-up"),
    path(
        "account/security/backup-codes/",
        views_security.new_backup_codes,
        name="two-factor-backup-codes",
    ),
    path("account/security/turn-off/", views_security.turn_off, name="two-factor-turn-off"),
    path(
        "account/sign-out-everywhere/",
        views_security.sign_out_everywhere,
        name="sign-out-everywhere",
    ),
]
