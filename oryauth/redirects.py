"""The one check for every URL we send a browser to: in a `Location` header,
an `href`, a form `action` or a `return_to` we hand to Kratos.

Who chose the URL decides which check applies:

- `safe_next_url`: a `next` / `return_to` a browser sent for *this* site
  (open-redirect protection: same host only);
- `safe_url` / `absolute_safe_url`: a URL a browser or Kratos chose that may
  also point at the Ory servers this site trusts (Kratos and Hydra as the
  browser reaches them) or a host listed in `REDIRECT_ALLOWED_HOSTS`;
- `is_kratos_url`: a URL that must be on Kratos itself (form actions, step-up
  redirects);
- `safe_http_url`: a URL staff registered on an OAuth2 client (its own site,
  any host, but http(s) only).

Every check refuses `javascript:`, `data:` and other schemes, scheme-relative
tricks (`//evil`, `///evil`, `/\\evil`) and control characters: the work is
Django's `url_has_allowed_host_and_scheme`, which is what `next` handling in
`django.contrib.auth` relies on too. Kratos v1.3 checks `return_to` only
partly and `after_verification_return_to` not at all, so we never forward or
render one unchecked.
"""
from __future__ import annotations

from urllib.parse import SplitResult, urlsplit

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from .conf import oryauth_settings


def split_url(url: str) -> SplitResult | None:
    """`urlsplit(url)` with its port read, or None when Python cannot parse it
    (an unclosed IPv6 bracket, a port that is not a number below 65536). The
    one parser for URLs from settings and forms: later code reads the port."""
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a bad port
    except ValueError:
        return None
    return parts


def _netloc(url: str) -> str:
    try:
        return urlsplit(url).netloc
    except ValueError:  # e.g. an unclosed IPv6 bracket in a setting
        return ""


def trusted_hosts(request: HttpRequest) -> set[str]:
    """Hosts a browser may be sent to: this site, Kratos and Hydra as the
    browser reaches them, and the site's `REDIRECT_ALLOWED_HOSTS`."""
    conf = oryauth_settings()
    hosts = {request.get_host(), _netloc(conf.kratos_browser_url), _netloc(conf.HYDRA_PUBLIC_URL)}
    hosts.update(conf.REDIRECT_ALLOWED_HOSTS)
    hosts.discard("")
    return hosts


def _allowed(request: HttpRequest, url: str | None, hosts: set[str]) -> bool:
    return bool(url) and url_has_allowed_host_and_scheme(url, allowed_hosts=hosts, require_https=request.is_secure())


def safe_next_url(request: HttpRequest, candidate: str | None, default: str | None = None) -> str:
    """`candidate` when it stays on this site (same host, allowed scheme),
    otherwise `default` (CLIENT_DEFAULT_NEXT when not given)."""
    if default is None:
        default = oryauth_settings().CLIENT_DEFAULT_NEXT
    return candidate if candidate and _allowed(request, candidate, {request.get_host()}) else default


def safe_url(request: HttpRequest, candidate: str | None, default: str = "") -> str:
    """`candidate` when it is relative or on a trusted host (see `trusted_hosts`),
    otherwise `default`."""
    return candidate if candidate and _allowed(request, candidate, trusted_hosts(request)) else default


def absolute_safe_url(request: HttpRequest, candidate: str | None) -> str:
    """`candidate` made absolute against this site, or "" when it is unsafe.

    For `return_to`-like parameters we forward to Kratos, which compares
    absolute URLs with its `allowed_return_urls`."""
    checked = safe_url(request, candidate)
    return request.build_absolute_uri(checked) if checked else ""


def is_kratos_url(url: str | None) -> bool:
    """True when `url` is on Kratos's public API as the browser reaches it
    (same scheme and host; "http://kratos@elsewhere/" is elsewhere)."""
    if not url:
        return False
    kratos = urlsplit(oryauth_settings().kratos_browser_url)
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return (parts.scheme, parts.netloc) == (kratos.scheme, kratos.netloc) and url_has_allowed_host_and_scheme(
        url, allowed_hosts={kratos.netloc}, require_https=kratos.scheme == "https"
    )


def safe_http_url(value: str | None) -> str | None:
    """`value` when it is an absolute http(s) URL with a host, else None.

    For URLs staff registered on an OAuth2 client (its logo, policy, terms,
    home page), which legitimately live on any host."""
    if not value:
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return value if url_has_allowed_host_and_scheme(value, allowed_hosts={parts.netloc}) else None
