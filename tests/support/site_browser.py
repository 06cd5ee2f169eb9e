"""A person's sign-in through the demo site over real HTTP, the way a browser
does it: `/auth/login` -> Hydra -> the portal's `/login` page -> the form
posted straight to Kratos -> Hydra -> `/consent` -> `/auth/callback` -> the
protected page. Each `SiteBrowser` is its own cookie jar.

Used by the production-profile tests (the site under gunicorn) and by
benchmarks/rush.py. Nothing here asserts: a sign-in returns what happened,
so a benchmark can count failures and a test can explain them.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import requests
from bs4 import BeautifulSoup

SITE = "http://127.0.0.1:8000"
_REDIRECTS = (301, 302, 303, 307, 308)


@dataclass
class SignIn:
    """What one sign-in attempt saw."""

    signed_in: bool
    seconds: float
    # Every (status, URL) answered on the way, in order.
    steps: list[tuple[int, str]] = field(default_factory=list)
    problem: str = ""
    # The exception's own words when the problem was a transport error.
    detail: str = ""

    @property
    def server_errors(self) -> list[tuple[int, str]]:
        return [(status, url) for status, url in self.steps if status >= 500]


class SiteBrowser:
    """One cookie jar; follows redirects and submits the portal's forms."""

    def __init__(self, site: str = SITE, timeout: float = 60.0) -> None:
        self.site = site
        self.http = requests.Session()
        self.timeout = timeout

    def get(self, path: str, **kwargs: object) -> requests.Response:
        return self.http.get(urljoin(self.site, path), timeout=self.timeout, **kwargs)  # type: ignore[arg-type]

    def csrf_post(self, path: str, form_page: str = "/", **data: str) -> requests.Response:
        """POST to one of the site's views with Django's CSRF token (read from `form_page`)."""
        self.get(form_page)
        token = self.http.cookies.get("csrftoken", domain="127.0.0.1") or self.http.cookies.get("csrftoken") or ""
        return self.http.post(urljoin(self.site, path), data={"csrfmiddlewaretoken": token, **data},
                              headers={"Referer": self.site + "/"}, allow_redirects=False, timeout=self.timeout)

    def sign_in(self, email: str, password: str, next_path: str = "/protected/") -> SignIn:
        """The relying-party sign-in; `signed_in` when it ends on `next_path` with 200."""
        started = time.monotonic()
        steps: list[tuple[int, str]] = []

        def done(ok: bool, problem: str = "", detail: str = "") -> SignIn:
            return SignIn(ok, time.monotonic() - started, steps, problem, detail)

        url, method, data = f"{self.site}/auth/login?next={next_path}", "GET", None
        submitted_login = False
        try:
            for _ in range(30):
                response = self.http.request(method, url, data=data, allow_redirects=False, timeout=self.timeout)
                steps.append((response.status_code, url))
                if response.status_code in _REDIRECTS:
                    url, method, data = urljoin(url, response.headers["Location"]), "GET", None
                    continue
                if response.status_code != 200:
                    return done(False, f"{response.status_code} on {urlsplit(url).path}")
                path = urlsplit(url).path
                if url.startswith(self.site) and path == next_path:
                    return done(True)
                form = _form_on(response.text, login=path == "/login")
                if form is None:
                    return done(False, f"a page without the expected form at {path}")
                action, fields = form
                if path == "/login":
                    if submitted_login:
                        return done(False, "the login page came back after the password was sent")
                    submitted_login = True
                    fields.update({"identifier": email, "password": password, "method": "password"})
                url, method, data = urljoin(url, action), "POST", fields
            return done(False, "too many redirects")
        except requests.RequestException as exc:
            return done(False, f"{type(exc).__name__} on {urlsplit(url).path}", str(exc)[:300])


def _form_on(html: str, *, login: bool) -> tuple[str, dict[str, object]] | None:
    """The action and hidden fields of the page's sign-in (or consent) form.

    Only forms whose action is the portal, Kratos or Hydra are followed: a
    debug 500 page's form posts to an outside site and must never be sent."""
    soup = BeautifulSoup(html, "html.parser")
    for form in soup.find_all("form"):
        action = form.get("action") or ""
        if action and not action.startswith(("/", "http://127.0.0.1:")):
            continue
        if form.get("data-testid") == "language-switcher":
            continue  # the header's language buttons: not the page's form
        hidden = {i.get("name"): i.get("value") or "" for i in form.find_all("input") if i.get("name") and i.get("type") == "hidden"}
        if login:
            if form.find("input", attrs={"name": "password"}) is None:
                continue
            return action, hidden
        # Consent: what a person sees checked stays checked (every scope asked
        # for); several boxes share the name "scope", so values are lists.
        fields: dict[str, object] = dict(hidden)
        for box in form.find_all("input", attrs={"type": "checkbox"}):
            if box.get("name") and box.has_attr("checked"):
                fields.setdefault(box["name"], []).append(box.get("value") or "on")  # type: ignore[union-attr]
        buttons = form.find_all(["button", "input"], attrs={"type": "submit"})
        allow = next((b for b in buttons if b.get("value") in ("allow", "accept")), buttons[0] if buttons else None)
        if allow is not None and allow.get("name"):
            fields[allow["name"]] = allow.get("value") or ""
        return action, fields  # type: ignore[return-value]
    return None
