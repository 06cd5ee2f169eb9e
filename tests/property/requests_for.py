"""Hypothesis strategies for hostile HTTP requests, and the URLs the demo
site serves (read from its URL resolver, so a new view is covered without
editing the tests). No tests here."""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import quote

from django.contrib.admindocs.views import extract_views_from_urlpatterns
from django.urls import get_resolver
from hypothesis import strategies as st

# route -> [inputs tried, 5xx answers]; printed by conftest's terminal summary.
TRIED: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0])

HUGE = "x" * 100_000
# Parameter names the views read, plus arbitrary ones.
KNOWN_NAMES = [
    "return_to", "next", "flow", "id", "login_challenge", "consent_challenge", "logout_challenge",
    "error", "error_description", "error_hint", "code", "state", "scope", "action", "remember",
    "organization", "aal", "refresh", "via", "after_verification_return_to", "iss", "session_state",
    "logout_token", "csrfmiddlewaretoken", "_save", "q", "p", "o",
]
# Values chosen to break parsers: sent percent-encoded (the characters themselves).
NASTY_TEXT = [
    "", "\x00", "a\x00b", "\u202e\u0645\u0631\u062d\u0628\u0627", "😀🔥", "\ufeff", "\r\n", "undefined", "null",
    "javascript:alert(1)", "//evil.example/", "/\\evil.example", "https://evil.example/", "data:text/html,x",
    "00000000-0000-0000-0000-000000000000", "1e400", "-1", "99999999999999999999999", "NaN", "[]", "{}",
    "../../etc/passwd", "<script>alert(1)</script>", HUGE, "\udcff".encode("utf-8", "surrogatepass").decode("latin-1"),
]
# Sent as they are: invalid UTF-8 and broken percent escapes.
RAW_ESCAPES = ["%ff", "%fe%ff", "%c3%28", "%", "%z", "%zz", "%%", "%00", "%e2%82", "%ed%a0%80", "+", "%2"]

names = st.one_of(st.sampled_from(KNOWN_NAMES), st.text(max_size=12)).flatmap(
    lambda name: st.sampled_from([name, name + "[]", name + "[0]"])
)
text_values = st.one_of(st.sampled_from(NASTY_TEXT), st.text(max_size=40), st.uuids().map(str))


@st.composite
def query_strings(draw: st.DrawFn) -> str:
    """A query string or form body: repeated and array parameters, encoded
    hostile text and raw broken escapes, or no structure at all."""
    pieces = []
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        name = quote(draw(names), safe="[]")
        if draw(st.booleans()):
            value = quote(draw(text_values), safe="")
        else:
            value = "".join(draw(st.lists(st.sampled_from(RAW_ESCAPES), min_size=1, max_size=4)))
        pieces.append(f"{name}={value}" if draw(st.booleans()) or not value else name)
    separator = draw(st.sampled_from(["&", "&&", ";"]))
    return separator.join(pieces)


# Header values as a WSGI server hands them over: latin-1 text.
header_text = st.one_of(
    st.sampled_from(["", "\x00", HUGE, "\u00ff\u00fe", "ory_st_" + "A" * 40, "ory_at_x", "e30.e30.", "Bearer", "Bearer "]),
    st.text(alphabet=st.characters(max_codepoint=255, exclude_categories=("Cs",)), max_size=60),
)


@st.composite
def cookie_headers(draw: st.DrawFn) -> str:
    """A Cookie header naming the cookies the site reads, with garbage values."""
    cookies = []
    for name in draw(st.lists(st.sampled_from(
        ["ory_kratos_session", "sessionid", "csrftoken", "csrf_token_x", "oryauth_rp", "messages", "django_language"]
    ), max_size=4)):
        cookies.append(f"{name}={draw(header_text)}")
    return "; ".join(cookies)


@dataclass
class HostileRequest:
    method: str
    query: str
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


HEADER_NAMES = ["HTTP_AUTHORIZATION", "HTTP_X_SESSION_TOKEN", "HTTP_ACCEPT", "HTTP_REFERER", "HTTP_ORIGIN",
                "HTTP_ACCEPT_LANGUAGE", "HTTP_X_FORWARDED_FOR", "HTTP_USER_AGENT"]


@st.composite
def hostile_requests(draw: st.DrawFn) -> HostileRequest:
    method = draw(st.sampled_from(["GET", "GET", "POST", "POST", "HEAD", "PUT", "DELETE", "OPTIONS"]))
    headers = {name: draw(header_text) for name in draw(st.lists(st.sampled_from(HEADER_NAMES), max_size=3, unique=True))}
    if draw(st.booleans()):
        headers["HTTP_COOKIE"] = draw(cookie_headers())
    body = b""
    content_type = "application/x-www-form-urlencoded"
    if method != "GET" and draw(st.booleans()):
        content_type = draw(st.sampled_from(
            ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "multipart/form-data",
             "application/json", "text/plain", ""]
        ))
        body = draw(st.one_of(query_strings().map(str.encode), st.binary(max_size=200), st.just(HUGE.encode())))
    return HostileRequest(method, draw(query_strings()), body, content_type, headers)


# --- The URLs the demo site serves ------------------------------------------------

_CONVERTER = re.compile(r"<(?:\w+:)?\w+>")
_REGEX_GROUP = re.compile(r"\(\?P<(\w+)>([^)]*)\)")


def _concrete(pattern: str) -> str:
    """A path the pattern matches: converters get "1", a regex group its
    first alternative (or a path that exists nowhere)."""
    path = _REGEX_GROUP.sub(lambda m: m.group(2).split("|")[0] if m.group(2) != ".*" else "no-such-page/", pattern)
    path = _CONVERTER.sub("1", path)
    return "/" + path.replace("^", "").replace("$", "")


def served_paths() -> list[str]:
    """One concrete path per URL pattern of the site."""
    views = extract_views_from_urlpatterns(get_resolver().url_patterns)
    return sorted({_concrete(pattern) for _, pattern, _, _ in views})
