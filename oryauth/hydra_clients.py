"""OAuth2 clients in Hydra: the one place oryauth reads and writes them
(through the Hydra admin API). Django's copy of the list, used by the admin,
is `oryauth.client_admin.records`."""
from __future__ import annotations

import difflib
import json
import secrets
import shlex
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ory_client.models.json_patch import JsonPatch
from ory_client.models.o_auth2_client import OAuth2Client
from ory_client.models.o_auth2_client_token_lifespans import OAuth2ClientTokenLifespans

from . import ory
from .conf import OryAuthSettings, oryauth_settings
from .errors import OryError, OryRejected


def site_client_definition(conf: OryAuthSettings | None = None) -> OAuth2Client:
    """The OAuth2 client this site needs in Hydra, as its settings describe it."""
    conf = conf or oryauth_settings()
    public = conf.CLIENT_AUTH_METHOD == "none"
    return OAuth2Client(
        client_id=conf.CLIENT_ID,
        client_secret=None if public else conf.CLIENT_SECRET,
        client_name=conf.CLIENT_NAME,
        grant_types=["authorization_code", "refresh_token"],
        response_types=["code"],
        scope=" ".join(conf.CLIENT_SCOPES),
        redirect_uris=[conf.CLIENT_REDIRECT_URI],
        post_logout_redirect_uris=[conf.CLIENT_POST_LOGOUT_REDIRECT_URI] if conf.CLIENT_POST_LOGOUT_REDIRECT_URI else [],
        token_endpoint_auth_method=conf.CLIENT_AUTH_METHOD,
        **_backchannel_logout_fields(conf),
    )


def _backchannel_logout_fields(conf: OryAuthSettings) -> dict[str, Any]:
    """Back-channel logout registration, when the site has the endpoint; with
    `session_required` Hydra always names the login session (`sid`)."""
    if not conf.CLIENT_BACKCHANNEL_LOGOUT_URI:
        return {}
    return {"backchannel_logout_uri": conf.CLIENT_BACKCHANNEL_LOGOUT_URI, "backchannel_logout_session_required": True}


def get_client(client_id: str) -> OAuth2Client | None:
    """The client with this id, or None when Hydra has none."""
    try:
        return ory.hydra_admin().get_o_auth2_client(client_id)
    except OryRejected as exc:
        if exc.status == 404:
            return None
        raise


def create_or_replace_client(definition: OAuth2Client) -> tuple[OAuth2Client, bool]:
    """Create the client, or replace every field of an existing one with the
    same id by `definition`. Returns the client and whether it was created.
    For clients oryauth owns entirely (tests, tools); a site's own client goes
    through `ensure_site_client`, which leaves staff's edits alone."""
    if not definition.client_id:
        raise ValueError("the client definition needs a client_id")
    if get_client(definition.client_id) is None:
        return create_client(definition), True
    return ory.hydra_admin().set_o_auth2_client(definition.client_id, definition), False


# The fields of its own client a site owns (its settings say what they must
# hold); every other field (name, skip_consent, more redirect URIs, metadata,
# lifespans ...) belongs to the staff who edit the client in the admin.
SITE_OWNED_LIST_FIELDS = ("redirect_uris", "post_logout_redirect_uris", "grant_types", "response_types")


@dataclass(frozen=True)
class EnsuredClient:
    client: OAuth2Client
    created: bool
    # The fields ensure_site_client changed on an existing client (the secret
    # is set each time and not listed: Hydra keeps only its hash).
    changed: tuple[str, ...]


def ensure_site_client(conf: OryAuthSettings | None = None) -> EnsuredClient:
    """Make Hydra's client for this site able to serve its settings, safe to
    repeat: create it when it is missing; otherwise *add* the redirect and
    post-logout URIs, scopes, grant and response types the site needs (keeping
    the others), set the token-endpoint auth method and the configured secret,
    and leave every other field as staff set it."""
    conf = conf or oryauth_settings()
    wanted = site_client_definition(conf)
    assert wanted.client_id
    current = get_client(wanted.client_id)
    if current is None:
        return EnsuredClient(create_client(wanted), created=True, changed=())
    changes: dict[str, Any] = {}
    for name in SITE_OWNED_LIST_FIELDS:
        held = list(getattr(current, name) or [])
        missing = [value for value in getattr(wanted, name) or [] if value not in held]
        if missing:
            changes[name] = held + missing
    held_scopes = (current.scope or "").split()
    missing_scopes = [scope for scope in (wanted.scope or "").split() if scope not in held_scopes]
    if missing_scopes:
        changes["scope"] = " ".join(held_scopes + missing_scopes)
    if (current.token_endpoint_auth_method or "client_secret_basic") != wanted.token_endpoint_auth_method:
        changes["token_endpoint_auth_method"] = wanted.token_endpoint_auth_method
    # A client has one back-channel logout URI: the site's, when it has one.
    for name, value in _backchannel_logout_fields(conf).items():
        if getattr(current, name) != value:
            changes[name] = value
    secret = {"client_secret": wanted.client_secret} if wanted.client_secret else {}
    client = _patch(wanted.client_id, changes | secret) if changes or secret else current
    return EnsuredClient(client, created=False, changed=tuple(changes))


def list_clients(page_size: int = 250) -> list[OAuth2Client]:
    """Every client Hydra has, following its pagination.

    Hydra pages by offset, so a client created or deleted while the pages are
    read shifts the rest: a client may come twice (kept once here) or, rarely,
    be missed until the next read."""
    clients: dict[str, OAuth2Client] = {}
    page_token: str | None = None
    while True:
        response = ory.hydra_admin().list_o_auth2_clients_with_http_info(page_size=page_size, page_token=page_token)
        for client in response.data or []:
            clients[client.client_id or ""] = client
        page_token = ory.next_page_token(dict(response.headers or {}))
        if not page_token:
            return list(clients.values())


# --- Writing clients (the admin and `manage.py oryauth_clients` use these) ---

# Per-client token lifespans Hydra v2.3.0 accepts (Go durations such as "1h30m").
LIFESPAN_FIELDS: tuple[str, ...] = (
    "authorization_code_grant_access_token_lifespan",
    "authorization_code_grant_id_token_lifespan",
    "authorization_code_grant_refresh_token_lifespan",
    "client_credentials_grant_access_token_lifespan",
    "implicit_grant_access_token_lifespan",
    "implicit_grant_id_token_lifespan",
    "jwt_bearer_grant_access_token_lifespan",
    "refresh_token_grant_access_token_lifespan",
    "refresh_token_grant_id_token_lifespan",
    "refresh_token_grant_refresh_token_lifespan",
)


def create_client(definition: OAuth2Client) -> OAuth2Client:
    """Create a client in Hydra. Hydra fills in what `definition` leaves out
    (id, secret); the answer carries the secret, the only time Hydra shows it."""
    return ory.hydra_admin().create_o_auth2_client(definition)


def update_client(client_id: str, changes: dict[str, Any], previous: dict[str, Any] | None = None) -> OAuth2Client:
    """Change only the given top-level fields of a client, so fields oryauth
    does not manage (jwks, logout callbacks, ...) stay as they are.

    Ordinary fields go in one JSON patch ("add" also works for fields Hydra
    omitted). Lifespans cannot be cleared by a patch (Hydra merges the patched
    document into the stored client, so null keeps the old value); they are
    set together through the lifespans endpoint. If that second call fails,
    the patch is undone with `previous` (the values before) and the error raised.
    """
    lifespans = {name: changes[name] for name in LIFESPAN_FIELDS if name in changes}
    fields = {name: value for name, value in changes.items() if name not in lifespans}
    client: OAuth2Client | None = None
    if fields:
        client = _patch(client_id, fields)
    if lifespans:
        current = client or ory.hydra_admin().get_o_auth2_client(client_id)
        wanted = {name: getattr(current, name) for name in LIFESPAN_FIELDS} | lifespans
        try:
            client = ory.hydra_admin().set_o_auth2_client_lifespans(
                client_id, OAuth2ClientTokenLifespans.from_dict({k: v for k, v in wanted.items() if v})
            )
        except OryError:
            if fields and previous is not None:
                _patch(client_id, {name: previous.get(name) for name in fields})
            raise
    return client or ory.hydra_admin().get_o_auth2_client(client_id)


def _patch(client_id: str, fields: dict[str, Any]) -> OAuth2Client:
    operations = [JsonPatch(op="add", path=f"/{name}", value=value) for name, value in fields.items()]
    return ory.hydra_admin().patch_o_auth2_client(client_id, operations)


def delete_client(client_id: str) -> bool:
    """Delete a client in Hydra. False when Hydra had no such client (already gone)."""
    try:
        ory.hydra_admin().delete_o_auth2_client(client_id)
    except OryRejected as exc:
        if exc.status == 404:
            return False
        raise
    return True


def rotate_secret(client_id: str) -> str:
    """Give the client a new random secret and return it; the old one stops
    working at once. Hydra v2.3.0 has no rotation endpoint (POST
    /admin/clients/{id}/secret/rotate answers 404), so the new secret is set
    with a patch — Hydra stores only its hash."""
    secret = secrets.token_urlsafe(32)
    _patch(client_id, {"client_secret": secret})
    return secret


# --- The equivalent Hydra CLI command -----------------------------------------

# (form field, CLI flag) for the list fields, in the order the command shows them.
_CLI_LIST_FLAGS = (
    ("redirect_uris", "--redirect-uri"),
    ("post_logout_redirect_uris", "--post-logout-callback"),
    ("audience", "--audience"),
    ("allowed_cors_origins", "--allowed-cors-origin"),
    ("contacts", "--contact"),
)
_CLI_TEXT_FLAGS = (
    ("owner", "--owner"),
    ("client_uri", "--client-uri"),
    ("logo_uri", "--logo-uri"),
    ("policy_uri", "--policy-uri"),
    ("tos_uri", "--tos-uri"),
    ("jwks_uri", "--jwks-uri"),
)


def cli_create_command(client: OAuth2Client, admin_url: str | None = None) -> str:
    """The multi-line `hydra create oauth2-client` command that creates this
    client again, so what someone clicked can be scripted. The secret is left
    out (Hydra generates one; add `--secret` to choose it)."""
    admin_url = admin_url or oryauth_settings().HYDRA_ADMIN_URL
    args: list[str] = [f"--endpoint {shlex.quote(admin_url)}", "--format json"]
    if client.client_id:
        args.append(f"--id {shlex.quote(client.client_id)}")
    if client.client_name:
        args.append(f"--name {shlex.quote(client.client_name)}")
    # The CLI joins list flags itself; repeating a flag keeps each value whole.
    args.append(f"--grant-type {shlex.quote(','.join(client.grant_types or []))}")
    args.append(f"--response-type {shlex.quote(','.join(client.response_types or []))}")
    if client.scope:
        args.append(f"--scope {shlex.quote(','.join(client.scope.split()))}")
    for field, flag in _CLI_LIST_FLAGS:
        args.extend(f"{flag} {shlex.quote(value)}" for value in getattr(client, field) or [])
    args.append(f"--token-endpoint-auth-method {shlex.quote(client.token_endpoint_auth_method or 'client_secret_basic')}")
    if client.subject_type:
        args.append(f"--subject-type {shlex.quote(client.subject_type)}")
    if client.skip_consent:
        args.append("--skip-consent")
    if client.skip_logout_consent:
        args.append("--skip-logout-consent")
    for field, flag in _CLI_TEXT_FLAGS:
        value = getattr(client, field)
        if value:
            args.append(f"{flag} {shlex.quote(value)}")
    if client.metadata:
        args.append(f"--metadata {shlex.quote(json.dumps(client.metadata, sort_keys=True))}")
    return "hydra create oauth2-client \\\n  " + " \\\n  ".join(args)


def lifespans_command(client: OAuth2Client, admin_url: str | None = None) -> str | None:
    """The CLI has no flags for token lifespans: this `curl` sets them after
    the create command. None when the client uses Hydra's defaults."""
    lifespans = {name: getattr(client, name) for name in LIFESPAN_FIELDS if getattr(client, name)}
    if not lifespans:
        return None
    admin_url = (admin_url or oryauth_settings().HYDRA_ADMIN_URL).rstrip("/")
    url = f"{admin_url}/admin/clients/{quote(client.client_id or '', safe='')}/lifespans"
    return (
        f"curl -X PUT {shlex.quote(url)} \\\n  -H 'Content-Type: application/json' \\\n"
        f"  -d {shlex.quote(json.dumps(lifespans, sort_keys=True))}"
    )


# --- A client as flat values (what the admin form and the CLI edit) -------------

# Client fields edited as one value per line; Hydra holds them as lists.
LIST_FIELDS = ("redirect_uris", "post_logout_redirect_uris", "audience", "allowed_cors_origins", "contacts")
# Client fields Hydra holds as plain strings.
TEXT_FIELDS = (
    "client_name",
    "scope",
    "token_endpoint_auth_method",
    "subject_type",
    "owner",
    "client_uri",
    "logo_uri",
    "policy_uri",
    "tos_uri",
    "jwks_uri",
)


def initial_from_client(client: OAuth2Client) -> dict[str, Any]:
    """A client as flat values (lists, strings, booleans), the shape the admin
    form edits; `hydra_values` is the way back."""
    values: dict[str, Any] = {"client_id": client.client_id or ""}
    for name in TEXT_FIELDS:
        values[name] = getattr(client, name) or ""
    for name in LIST_FIELDS:
        values[name] = list(getattr(client, name) or [])
    values["grant_types"] = list(client.grant_types or [])
    values["response_types"] = list(client.response_types or [])
    values["skip_consent"] = bool(client.skip_consent)
    values["skip_logout_consent"] = bool(client.skip_logout_consent)
    values["metadata"] = client.metadata or {}
    for name in LIFESPAN_FIELDS:
        values[name] = getattr(client, name) or None
    return values


def hydra_values(cleaned: dict[str, Any]) -> dict[str, Any]:
    """The client fields oryauth edits, from flat values (e.g. a cleaned form)."""
    values: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        values[name] = cleaned.get(name) or ""
    for name in (*LIST_FIELDS, "grant_types", "response_types"):
        values[name] = list(cleaned.get(name) or [])
    values["skip_consent"] = bool(cleaned.get("skip_consent"))
    values["skip_logout_consent"] = bool(cleaned.get("skip_logout_consent"))
    values["metadata"] = cleaned.get("metadata") or {}
    for name in LIFESPAN_FIELDS:
        values[name] = cleaned.get(name) or None
    return values


def closest(value: str, candidates: list[str]) -> str | None:
    """The candidate most similar to `value` (to say which registered redirect
    URI someone probably meant), or None when there is none."""
    if not candidates:
        return None
    return max(candidates, key=lambda candidate: difflib.SequenceMatcher(None, value, candidate).ratio())
