"""OAuth2 clients in Hydra: the one place oryauth reads and writes them."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from ory_client.models.o_auth2_client import OAuth2Client

from . import ory
from .conf import OryAuthSettings, oryauth_settings
from .errors import OryRejected


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
    )


def get_client(client_id: str) -> OAuth2Client | None:
    """The client with this id, or None when Hydra has none."""
    try:
        return ory.hydra_admin().get_o_auth2_client(client_id)
    except OryRejected as exc:
        if exc.status == 404:
            return None
        raise


def ensure_client(definition: OAuth2Client) -> tuple[OAuth2Client, bool]:
    """Create the client, or bring an existing one with the same id in line
    with `definition`. Returns the client and whether it was created."""
    if not definition.client_id:
        raise ValueError("the client definition needs a client_id")
    if get_client(definition.client_id) is None:
        return ory.hydra_admin().create_o_auth2_client(definition), True
    return ory.hydra_admin().set_o_auth2_client(definition.client_id, definition), False


def list_clients(page_size: int = 250) -> list[OAuth2Client]:
    """Every client Hydra has, following its pagination."""
    clients: list[OAuth2Client] = []
    page_token: str | None = None
    while True:
        response = ory.hydra_admin().list_o_auth2_clients_with_http_info(page_size=page_size, page_token=page_token)
        clients.extend(response.data or [])
        page_token = _next_page_token(response.headers or {})
        if not page_token:
            return clients


def _next_page_token(headers: dict[str, str]) -> str | None:
    """Hydra announces the next page in a `Link: <...page_token=X...>; rel="next"` header."""
    link = next((value for key, value in headers.items() if key.lower() == "link"), "")
    for part in link.split(","):
        if 'rel="next"' in part:
            url = part.split(";")[0].strip().strip("<>")
            tokens = parse_qs(urlsplit(url).query).get("page_token")
            if tokens:
                return tokens[0]
    return None
