"""`manage.py oryauth_doctor`: asks the running Kratos and Hydra whether they
and this site's settings fit together, and says how to fix what does not.
The core checks the servers the installed roles call and Hydra's issuer; each
role adds its own findings (`oryauth/<role>/doctor.py`).

Unlike the system checks (oryauth/checks.py) this talks to the servers. It
only reads, except for what a browser visit would leave behind: a login
request in Hydra and self-service flows in Kratos, which expire on their own.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from importlib import import_module
from typing import Literal
from urllib.parse import parse_qs, urlsplit

from django.urls import NoReverseMatch, reverse

from . import ory
from .conf import ROLES, OryAuthSettings, installed_roles, oryauth_settings, used_url_settings
from .errors import OryError

Level = Literal["ok", "warning", "error", "unverified"]


@dataclass(frozen=True)
class Finding:
    """One thing the doctor looked at. `fix` says what to change when it is not ok."""

    level: Level
    subject: str
    detail: str
    fix: str = ""


def site_url_default(conf: OryAuthSettings | None = None) -> str:
    """This site's origin as browsers reach it: the redirect URI's origin, or
    the local demo address."""
    conf = conf or oryauth_settings()
    if conf.CLIENT_REDIRECT_URI:
        parts = urlsplit(conf.CLIENT_REDIRECT_URI)
        return f"{parts.scheme}://{parts.netloc}"
    return "http://127.0.0.1:8000"


def diagnose(site_url: str, conf: OryAuthSettings | None = None, *, probe_sign_in: bool = False) -> list[Finding]:
    """Every finding, in the order a person would fix them, for the roles this
    site installs (each role's `doctor.findings`) and nothing else.

    With `probe_sign_in`, the provider's part also signs in the made-up subject
    `oryauth-doctor-probe` at Hydra (no Kratos identity, no tokens: the consent
    is rejected and the session revoked) to see where Hydra sends the consent
    and logout steps, which it shows only to a signed-in browser."""
    conf = conf or oryauth_settings()
    site_url = site_url.rstrip("/")
    findings = list(_servers(conf))
    reachable = frozenset(f.subject for f in findings if f.level == "ok")
    roles = installed_roles()
    if "Hydra public" in reachable and roles & {"client", "provider"}:
        findings.extend(_issuer(conf))
    for role in ROLES:
        if role in roles:
            module = import_module(f"oryauth.{role}.doctor")
            findings.extend(module.findings(DoctorVisit(conf, site_url, reachable, probe_sign_in)))
    return findings


@dataclass(frozen=True)
class DoctorVisit:
    """What each role's `doctor.findings(visit)` gets."""

    conf: OryAuthSettings
    site_url: str
    reachable: frozenset[str]  # the Ory APIs that answered ("Hydra public", ...)
    probe_sign_in: bool


# --- servers ---------------------------------------------------------------------

_HEALTH = {
    ory.KRATOS_PUBLIC: ("KRATOS_PUBLIC_URL", "/health/ready", None),
    ory.KRATOS_ADMIN: ("KRATOS_ADMIN_URL", "/admin/health/ready", "/admin/version"),
    ory.HYDRA_PUBLIC: ("HYDRA_PUBLIC_URL", "/health/ready", None),
    ory.HYDRA_ADMIN: ("HYDRA_ADMIN_URL", "/health/ready", "/version"),
}


def _servers(conf: OryAuthSettings) -> Iterator[Finding]:
    used = used_url_settings(conf)
    for service, (setting, health, version_path) in _HEALTH.items():
        if setting not in used:
            continue  # no installed role calls it
        url = getattr(conf, setting)
        try:
            ory.get_json(service, health)
            version = ory.get_json(service, version_path).get("version", "?") if version_path else ""
        except OryError as exc:
            yield Finding(
                "error",
                service,
                f"{url} is not ready: {exc}",
                f"Start {service.split()[0]}, or correct ORYAUTH['{setting}'] (now {url!r}).",
            )
            continue
        yield Finding("ok", service, f"{url} is ready" + (f" (version {version})" if version else ""))


def _issuer(conf: OryAuthSettings) -> Iterator[Finding]:
    try:
        discovered = ory.get_json(ory.HYDRA_PUBLIC, ory.DISCOVERY_PATH).get("issuer", "")
    except OryError as exc:
        yield Finding("error", "Issuer", f"Hydra's discovery document could not be read: {exc}", "Check HYDRA_PUBLIC_URL.")
        return
    if discovered == conf.hydra_issuer:
        yield Finding("ok", "Issuer", f"discovery says {discovered!r}, as configured")
        return
    yield Finding(
        "error",
        "Issuer",
        f"discovery says {discovered!r} but this site expects {conf.hydra_issuer!r}; every ID token would be refused.",
        f"Set ORYAUTH['HYDRA_ISSUER'] = {discovered!r} (character for character, trailing slash included), "
        "or change urls.self.issuer in Hydra's config.",
    )


# --- where Hydra and Kratos send browsers ---------------------------------------------


def expected_page(site_url: str, url_name: str, fallback_path: str) -> tuple[str, bool]:
    """The URL of one of this site's portal pages, and whether this site
    serves it (False: the portal lives elsewhere, the path is a guess)."""
    try:
        return site_url + reverse(url_name), True
    except NoReverseMatch:
        return site_url + fallback_path, False


def _same_page(location: str, expected: str) -> bool:
    got, want = urlsplit(location), urlsplit(expected)
    return (got.scheme, got.netloc, got.path.rstrip("/")) == (want.scheme, want.netloc, want.path.rstrip("/"))


def page_finding(subject: str, location: str | None, expected: str, served: bool, fix: str) -> Finding:
    shown = (location or "no redirect").split("?")[0]
    if location and _same_page(location, expected):
        return Finding("ok", subject, f"{shown} is this site's page")
    level: Level = "error" if served else "warning"
    why = "" if served else " (this site does not serve that page itself: fine if the portal is another site)"
    return Finding(level, subject, f"sends browsers to {shown}, expected {expected}{why}.", fix)


def query_value(url: str | None, name: str) -> str:
    return parse_qs(urlsplit(url or "").query).get(name, [""])[0]


