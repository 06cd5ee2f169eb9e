"""The OpenID Connect `ui_locales` parameter: the language a client asks the
provider's pages (login, registration, consent) to speak."""
from __future__ import annotations

import contextlib
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation


def ui_language(request: HttpRequest, ui_locales: list[str] | None) -> str | None:
    """The site language the client's OIDC `ui_locales` asks for, best first;
    None when none is one of `LANGUAGES`, or when the person chose a language
    on this site (the switcher's cookie wins over the client's wish)."""
    if settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
        return None
    for tag in (ui_locales or [])[:10]:
        try:
            return translation.get_supported_language_variant(str(tag)[:35])
        except LookupError:
            continue
    return None


def in_client_language(request: HttpRequest, oidc_context: Any) -> Any:
    """A context manager rendering in the language of the OIDC context's
    `ui_locales` (a Hydra login or consent request's `oidc_context`), or
    changing nothing."""
    ui_locales = getattr(oidc_context, "ui_locales", None)
    language = ui_language(request, list(ui_locales)) if ui_locales else None
    return translation.override(language) if language else contextlib.nullcontext()
