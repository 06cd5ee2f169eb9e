"""`/sessions`: where the person is signed in and which applications they
let in, with a POST (Django CSRF-protected) for each way to end them.

The domain is in `sessions.py`; these views read the request, call it, and
say what happened with a message before going back to the page."""
from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_deny
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_GET, require_POST

from ..csp import allow_sources
from ..sessions import has_session_cookie, kratos_session
from . import sessions
from .views import login_first


def _sign_in_first(request: HttpRequest) -> HttpResponse:
    return login_first(request, _("Please sign in to see where you are signed in."), come_back_to="sessions")


def _back_to_page() -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("oryauth_portal:sessions"), status=303)


@never_cache
@xframe_options_deny
@require_GET
def sessions_page(request: HttpRequest) -> HttpResponse:
    """The current session, the other active ones, and the grants."""
    if not has_session_cookie(request):
        return _sign_in_first(request)
    overview = sessions.sessions_overview(request)
    if overview is None:
        return _sign_in_first(request)
    grants = sessions.grants_of(overview.identity_id) if sessions.grants_are_shown() else None
    response = render(request, "oryauth/portal/sessions.html", {"overview": overview, "grants": grants})
    allow_sources(response, "img-src", [grant.logo_uri for grant in grants or []])  # the applications' logos
    return response


@csrf_protect
@require_POST
def end_session(request: HttpRequest) -> HttpResponse:
    """Sign out one other device (`session_id`)."""
    result = sessions.end_other_session(request, request.POST.get("session_id", "").strip())
    if result is None:
        return _sign_in_first(request)
    if result == "ended":
        messages.success(request, _("That device is signed out."))
    elif result == "current":
        messages.warning(request, _("That is the device you are using now: use “Sign out” to end this session."))
    else:
        messages.info(request, _("That session had already ended: there was nothing to sign out."))
    return _back_to_page()


@csrf_protect
@require_POST
def end_other_sessions(request: HttpRequest) -> HttpResponse:
    """Sign out every device but this one."""
    count = sessions.end_all_other_sessions(request)
    if count is None:
        return _sign_in_first(request)
    if count:
        messages.success(request, ngettext("%(count)d other device is signed out.",
                                           "%(count)d other devices are signed out.", count) % {"count": count})
    else:
        messages.info(request, _("You were not signed in on any other device."))
    return _back_to_page()


@csrf_protect
@require_POST
def revoke_grant(request: HttpRequest) -> HttpResponse:
    """Withdraw one application's access (`client_id`)."""
    if not sessions.grants_are_shown():
        raise Http404("no OAuth2 provider on this site")
    current = kratos_session(request)
    if current is None or current.identity is None:
        return _sign_in_first(request)
    grant = sessions.revoke_grant(request, str(current.identity.id), request.POST.get("client_id", "").strip())
    if grant is None:
        messages.info(request, _("That application had no access to your account any more: there was nothing to revoke."))
    else:
        messages.success(request, _("%(client)s can no longer access your account.") % {"client": grant.client_name})
    return _back_to_page()
