"""The portal's pages, at the paths Kratos's selfservice.flows.*.ui_url and
Hydra's urls.login point at (deploy/ory/)."""
from django.urls import path

from ..csp import with_content_security_policy
from ..responses import answers_ory_errors
from . import account_views, sessions_views, views

# Every view answers an Ory failure with a page (503 when Ory is down), with
# or without OryErrorPageMiddleware.
app_name = "oryauth_portal"
urlpatterns = [
    path("account", answers_ory_errors(account_views.account_page), name="account"),
    path("login", answers_ory_errors(views.login), name="login"),
    path("registration", answers_ory_errors(views.registration), name="registration"),
    path("recovery", answers_ory_errors(views.recovery), name="recovery"),
    path("verification", answers_ory_errors(views.verification), name="verification"),
    path("settings", answers_ory_errors(views.settings), name="settings"),
    path("error", answers_ory_errors(views.error), name="error"),
    path("signout", answers_ory_errors(views.signout), name="signout"),
    path("sessions", answers_ory_errors(sessions_views.sessions_page), name="sessions"),
    path("sessions/end", answers_ory_errors(sessions_views.end_session), name="end_session"),
    path("sessions/end-others", answers_ory_errors(sessions_views.end_other_sessions), name="end_other_sessions"),
    path("sessions/revoke", answers_ory_errors(sessions_views.revoke_grant), name="revoke_grant"),
]
# oryauth's Content-Security-Policy on every page of this role (oryauth/csp.py).
urlpatterns = with_content_security_policy(urlpatterns)
