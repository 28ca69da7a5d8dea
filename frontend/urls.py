"""The HTML door: sign-in and the pages of each persona, over the same services and policy."""

from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy

from frontend import session_views
from frontend.account.forms import ResetOrInviteAgainForm

app_name = "frontend"

urlpatterns = [
    path("", session_views.home, name="home"),
    path("", include("frontend.account.urls")),
    path("sign-out/", auth_views.LogoutView.as_view(), name="sign-out"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            form_class=ResetOrInviteAgainForm,
            template_name="frontend/auth/password_reset.html",
            email_template_name="frontend/auth/password_reset_email.txt",
            subject_template_name="frontend/auth/password_reset_subject.txt",
            success_url=reverse_lazy("frontend:password-reset-sent"),
        ),
        name="password-reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="frontend/auth/password_reset_sent.html"
        ),
        name="password-reset-sent",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="frontend/auth/password_reset_confirm.html",
            success_url=reverse_lazy("frontend:password-reset-done"),
        ),
        name="password-reset-confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="frontend/auth/password_reset_done.html"
        ),
        name="password-reset-done",
    ),
    path("language/", session_views.choose_language, name="language"),
    path("session/status/", session_views.session_status, name="session-status"),
    path("session/end/", session_views.end_session, name="session-end"),
    path("session/keep-alive/", session_views.keep_alive, name="session-keep-alive"),
    path("cases/", include("frontend.advocate.urls")),
    path("cases/", include("frontend.planning.urls")),
    path("partner/", include("frontend.partner.urls")),
    path("my/", include("frontend.portal.urls")),
    path("supervisor/", include("frontend.supervisor.urls")),
    path("organization/", include("frontend.orgadmin.urls")),
    path("operator/", include("frontend.operator.urls")),
    path("directory/", include("frontend.directory.urls")),
    path("community/", include("frontend.community.urls")),
]
