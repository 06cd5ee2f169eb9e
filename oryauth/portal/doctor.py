"""What the doctor asks about the portal: that Kratos sends browsers to this
site's self-service pages."""
from __future__ import annotations

from collections.abc import Iterator

from .. import ory
from ..doctor import DoctorVisit, Finding, expected_page, page_finding
from ..errors import OryError


def findings(visit: DoctorVisit) -> Iterator[Finding]:
    if "Kratos public" in visit.reachable:
        yield from _kratos_ui_urls(visit.site_url)


def _kratos_ui_urls(site_url: str) -> Iterator[Finding]:
    for flow in ("login", "registration", "recovery", "verification"):
        expected, served = expected_page(site_url, f"oryauth_portal:{flow}", f"/{flow}")
        try:
            location = ory.redirect_location(ory.KRATOS_PUBLIC, f"/self-service/{flow}/browser")
        except OryError as exc:
            yield Finding("error", f"Kratos {flow} UI URL", f"the flow could not be created: {exc}")
            continue
        yield page_finding(
            f"Kratos {flow} UI URL",
            location,
            expected,
            served,
            f"Set selfservice.flows.{flow}.ui_url in Kratos's config to {expected} (and enable the flow).",
        )
    error_page, served = expected_page(site_url, "oryauth_portal:error", "/error")
    # A return_to outside Kratos's allow list makes Kratos show its error page.
    try:
        location = ory.redirect_location(
            ory.KRATOS_PUBLIC, "/self-service/login/browser", {"return_to": "https://oryauth-doctor.invalid/"}
        )
    except OryError as exc:
        yield Finding("error", "Kratos error UI URL", f"Kratos could not be asked: {exc}")
    else:
        yield page_finding(
            "Kratos error UI URL", location, error_page, served, f"Set selfservice.flows.error.ui_url in Kratos's config to {error_page}."
        )
    settings_page, _ = expected_page(site_url, "oryauth_portal:settings", "/settings")
    yield Finding(
        "unverified",
        "Kratos settings UI URL",
        f"Kratos shows it only with a session; it should be {settings_page}.",
        f"Check selfservice.flows.settings.ui_url: {settings_page}",
    )
