"""Filling in the portal's rendered forms with the provider tests' browser
stand-in (tests.support.oauth_flows.Browser): read a form's action and hidden
fields from the page, add what a person types, post it straight to Kratos."""
from __future__ import annotations

from bs4 import BeautifulSoup

from .kratos import TestIdentity
from .oauth_flows import CLIENT_ORIGIN, SITE, Browser, Visit


def at_login_page(visit: Visit) -> Visit:
    """`visit`, asserted to be the portal's login page of a Kratos flow."""
    assert visit.url.startswith(f"{SITE}/login?flow=") and visit.status == 200, (visit.url, visit.status, visit.visited)
    return visit


def at_callback(visit: Visit) -> Visit:
    """`visit`, asserted to be the client's callback (with a code or an error)."""
    assert visit.url.startswith(CLIENT_ORIGIN), (visit.url, visit.status, visit.visited)
    return visit


def form_of(page: Visit, group: str) -> tuple[str, dict[str, str]]:
    """The action and current field values of the page's `group` form: its
    own, or the one form it shares with the other methods that read the
    identifier (password, code, passkey), found by its button."""
    soup = BeautifulSoup(page.text, "html.parser")
    form = soup.select_one(f'form[data-testid="flow/form/{group}"]') or next(
        (f for f in soup.select("form") if f.select_one(f'button[name="method"][value="{group}"]')), None
    )
    assert form is not None, f"no {group} form on {page.url} (status {page.status})"
    fields = {
        str(field["name"]): str(field.get("value", ""))
        for field in form.select("input[name]")
        if field.get("type") not in ("submit", "button", "checkbox")
    }
    return str(form["action"]), fields


def submit(browser: Browser, page: Visit, group: str, **typed: str) -> Visit:
    """Post the `group` form with its submit button (`method=<group>`) pressed."""
    action, fields = form_of(page, group)
    return browser.open(action, method="POST", data={**fields, "method": group, **typed})


def sign_in_with_password(browser: Browser, page: Visit, identity: TestIdentity) -> Visit:
    return submit(browser, page, "password", identifier=identity.email, password=identity.password)
