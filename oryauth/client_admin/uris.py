"""The client admin's checks of the URIs staff type: absolute, no fragment,
and warnings about pairs Hydra treats as different although people read them
as the same."""
from __future__ import annotations

from urllib.parse import urlsplit

from django import forms
from django.utils.translation import gettext_lazy as _

from ..redirects import split_url


def absolute_uri(uri: str) -> str:
    parts = split_url(uri)
    if parts is None:
        raise forms.ValidationError(_("%(uri)s is not a valid URL (check the host and port)."), params={"uri": uri})
    if not parts.scheme or (parts.scheme in ("http", "https") and not parts.hostname):
        raise forms.ValidationError(_("%(uri)s is not an absolute URL."), params={"uri": uri})
    if "#" in uri:
        raise forms.ValidationError(_("%(uri)s must not contain a fragment (#...)."), params={"uri": uri})
    if any(ch.isspace() for ch in uri):
        raise forms.ValidationError(_("%(uri)s must not contain spaces."), params={"uri": uri})
    return uri


def cors_origin(value: str) -> str:
    parts = split_url(value)
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise forms.ValidationError(_("%(origin)s is not an http(s) origin."), params={"origin": value})
    if parts.path.strip("/") or parts.query or parts.fragment or parts.username:
        raise forms.ValidationError(
            _("%(origin)s must be an origin only (scheme, host, port), without a path."), params={"origin": value}
        )
    return value


def origin(uri: str) -> tuple[str, str, int | None]:
    parts = urlsplit(uri)
    return parts.scheme, parts.hostname or "", parts.port


def redirect_uri_warnings(uris: list[str]) -> list[str]:
    """Pairs of redirect URIs Hydra treats as different although people read
    them as the same: a trailing slash, or localhost vs 127.0.0.1."""

    def loose(uri: str) -> str:
        parts = urlsplit(uri)
        host = "127.0.0.1" if parts.hostname in ("localhost", "127.0.0.1", "::1") else parts.hostname or ""
        netloc = host + (f":{parts.port}" if parts.port else "")
        return parts._replace(netloc=netloc, path=parts.path.rstrip("/")).geturl()

    warnings: list[str] = []
    for index, first in enumerate(uris):
        for second in uris[index + 1 :]:
            if first != second and loose(first) == loose(second):
                warnings.append(
                    str(
                        _(
                            "%(a)s and %(b)s differ only by a trailing slash or the host spelling; Hydra matches "
                            "redirect URIs exactly, so the client must send one of them character for character."
                        )
                        % {"a": first, "b": second}
                    )
                )
    return warnings
