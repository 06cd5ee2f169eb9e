"""Views of the demo site itself (the oryauth pages live in the app)."""
from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ory_client.models.session import Session

from oryauth.errors import OryUnavailable
from oryauth.sessions import kratos_session


@dataclass(frozen=True)
class SignedInIdentity:
    id: str
    email: str
    name: str

    @classmethod
    def from_session(cls, session: Session) -> SignedInIdentity:
        traits = (session.identity.traits if session.identity else None) or {}
        name = traits.get("name") or {}
        full_name = " ".join(part for part in (name.get("first"), name.get("last")) if part)
        return cls(id=str(session.identity.id) if session.identity else "", email=traits.get("email", ""), name=full_name)


def home(request: HttpRequest) -> HttpResponse:
    """Says whether the browser is signed in (Kratos session) and as whom."""
    context: dict[str, object] = {"identity": None, "ory_unavailable": False}
    try:
        session = kratos_session(request)
    except OryUnavailable:
        context["ory_unavailable"] = True
    else:
        if session is not None:
            context["identity"] = SignedInIdentity.from_session(session)
    return render(request, "home.html", context)
