"""`/account`: the portal's welcome page, listing the flows the person can
reach from where they are (signed out: sign in, create an account, recover
it; signed in: settings, devices, verification while an address is
unverified, sign out)."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_deny
from django.views.decorators.http import require_GET

from ..sessions import kratos_session


def _traits_email(traits: object) -> str:
    return str(traits.get("email") or "") if isinstance(traits, dict) else ""


@never_cache  # it says who is signed in
@xframe_options_deny
@require_GET
def account_page(request: HttpRequest) -> HttpResponse:
    session = kratos_session(request)  # None when signed out (or the session ended)
    identity = session.identity if session else None
    addresses = (identity.verifiable_addresses or []) if identity else []
    return render(request, "oryauth/portal/account.html", {
        "signed_in": identity is not None,
        "email": _traits_email(identity.traits) if identity else "",
        "unverified_addresses": [a.value for a in addresses if not a.verified],
    })
