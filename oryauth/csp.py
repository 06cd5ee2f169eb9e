"""The Content-Security-Policy of oryauth's own pages (portal, provider,
relying party).

Those pages carry nothing inline (scripts and styles are static files), so
the policy can be strict: scripts from this site and from Kratos (its
`webauthn.js` for passkeys), styles from this site only, images from this
site or `data:` (TOTP QR codes), forms posting to this site, Kratos or Hydra,
no framing, no <base>, no plugins.

A page may widen one directive for itself (`allow_sources`): a client's logo
is an image on the client's host, and a form whose post ends in a redirect
to a client (consent, sign-in for an application) needs that client's
origin in `form-action`, because Chromium checks `form-action` on every
redirect that follows a form post.

Applied per URL pattern by `with_content_security_policy` in each role's
urls.py, not site-wide: a site's own pages (and the Django admin, which has
inline scripts of its own) keep whatever policy the site chose. A response
that already has the header (a site's own decorator) is left alone.
`ORYAUTH["CONTENT_SECURITY_POLICY"]` adds sources per directive, or turns the
header off with None.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import wraps
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponseBase
from django.urls import URLPattern

from .conf import oryauth_settings
from .redirects import split_url

HEADER = "Content-Security-Policy"
# Per-response additions, set by `allow_sources` (the way Django's
# xframe_options_exempt marks a response for its middleware).
_ADDITIONS = "oryauth_csp_additions"


def origin_of(url: str | None) -> str | None:
    """`scheme://host[:port]` of an absolute http(s) URL, else None."""
    parts = split_url(url or "")
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}"


def base_directives() -> dict[str, list[str]]:
    """oryauth's policy before per-page and per-site additions."""
    conf = oryauth_settings()
    kratos = [o for o in [origin_of(conf.kratos_browser_url)] if o]
    hydra = [o for o in [origin_of(conf.HYDRA_PUBLIC_URL)] if o]
    return {
        "default-src": ["'self'"],
        "script-src": ["'self'", *kratos],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "form-action": ["'self'", *kratos, *hydra],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }


def policy(additions: Mapping[str, Iterable[str]] | None = None) -> str:
    """The header value: the base policy plus the site's and the page's
    additions (each source once, in order), or "" when the site turned it off."""
    site = oryauth_settings().CONTENT_SECURITY_POLICY
    if site is None:
        return ""
    directives = base_directives()
    for extra in (site, additions or {}):
        for name, sources in extra.items():
            values = [sources] if isinstance(sources, str) else list(sources)
            directives.setdefault(name, [])
            directives[name] += [s for s in values if s not in directives[name]]
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


def allow_sources(response: HttpResponseBase, directive: str, urls: Iterable[str | None]) -> None:
    """Let this one page use the origins of `urls` for `directive` (e.g. a
    client's logo in img-src). URLs that are not absolute http(s) are skipped."""
    for origin in dict.fromkeys(o for o in (origin_of(url) for url in urls) if o):
        allow_source(response, directive, origin)


def allow_source(response: HttpResponseBase, directive: str, source: str) -> None:
    """Let this one page use one more source expression for `directive`: an
    origin, or a scheme such as "https:"."""
    additions: dict[str, list[str]] = getattr(response, _ADDITIONS, {})
    additions.setdefault(directive, []).append(source)
    setattr(response, _ADDITIONS, additions)


def content_security_policy(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Decorator: send oryauth's policy with the view's response unless the
    response already has one."""

    @wraps(view)
    def with_policy(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return with_policy_header(view(request, *args, **kwargs))

    return with_policy


ResponseT = TypeVar("ResponseT", bound=HttpResponseBase)


def with_policy_header(response: ResponseT) -> ResponseT:
    """`response` with oryauth's policy (and the page's additions), unless it
    already has one: for pages oryauth renders outside its URL patterns
    (Django's handler400 and handler500)."""
    if HEADER not in response:
        value = policy(getattr(response, _ADDITIONS, {}))
        if value:
            response[HEADER] = value
    return response


def with_content_security_policy(patterns: Sequence[URLPattern]) -> list[URLPattern]:
    """A role's urlpatterns with `content_security_policy` around each view."""
    return [URLPattern(p.pattern, content_security_policy(p.callback), p.default_args, p.name) for p in patterns]
