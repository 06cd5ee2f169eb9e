"""Views of the demo site itself (the oryauth pages live in the app)."""
from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from oryauth.client.flow import access_token_for, stored_tokens
from oryauth.decorators import api_login_required
from oryauth.resolution import OryCaller, caller_of


@dataclass(frozen=True)
class SignedInIdentity:
    id: str
    email: str
    name: str

    @classmethod
    def from_caller(cls, caller: OryCaller) -> SignedInIdentity:
        traits = caller.traits
        name = traits.get("name") if isinstance(traits.get("name"), dict) else {}
        full_name = " ".join(str(part) for part in (name.get("first"), name.get("last")) if part)
        return cls(id=caller.identity_id, email=str(traits.get("email", "")), name=full_name)


def home(request: HttpRequest) -> HttpResponse:
    """Says whether the browser is signed in (Kratos session) and as whom."""
    # request.ory comes from oryauth's middleware (cached, one Kratos call at most).
    caller = caller_of(request)
    signed_in = caller.is_person and caller.via == "session_cookie"
    context: dict[str, object] = {
        "identity": SignedInIdentity.from_caller(caller) if signed_in else None,
        "ory_unavailable": caller.unavailable,
        # Signed in through Hydra (relying party): the SSO sign-out applies.
        "signed_in_through_hydra": stored_tokens(request) is not None,
    }
    return render(request, "home.html", context)


@api_login_required
def api_me(request: HttpRequest) -> JsonResponse:
    """Who is calling, as oryauth's middleware saw it: try it with a cookie,
    `Authorization: Bearer <session token or access token>` or `X-Session-Token`."""
    caller = caller_of(request)
    user = request.user if request.user.is_authenticated else None
    return JsonResponse(
        {
            "authenticated_via": caller.via,
            "user": {"username": user.get_username(), "email": user.email} if user else None,
            "identity_id": caller.identity_id or None,
            "client_id": caller.client_id or None,
            "scopes": sorted(caller.scopes),
            "aal": caller.aal or None,
            "expires_at": caller.expires_at.isoformat() if caller.expires_at else None,
        }
    )


@login_required
def protected(request: HttpRequest) -> HttpResponse:
    """Only for users signed in to this site (anonymous ones are sent to
    LOGIN_URL, the relying party's start view). Also shows that the site holds
    a valid access token for them, refreshed when it is about to expire."""
    access_token_for(request)
    if not request.user.is_authenticated:
        # The refresh failed and logged the user out: sign in again.
        return redirect_to_login(request.get_full_path())
    tokens = stored_tokens(request)
    return render(request, "protected.html", {"tokens_expire_at": tokens.expires_at if tokens else None})
