"""Hydra's login challenge (`/login?login_challenge=...`)."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from ..selfservice.browser_urls import create_flow_url


def handle_login_challenge(request: HttpRequest) -> HttpResponse:
    """Answer Hydra's login challenge for this browser.

    The self-service login page calls this when it is opened with
    `?login_challenge=` and no `?flow=`. For now: start a Kratos login flow
    that carries the challenge (Kratos accepts it itself after sign-in).
    """
    challenge = request.GET["login_challenge"]
    return HttpResponseRedirect(create_flow_url("login", login_challenge=challenge), status=303)
