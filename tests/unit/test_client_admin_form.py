"""The client form validates before anything is sent to Hydra, and maps
Hydra's refusals onto the right field. Hydra is stubbed at the oryauth.ory
boundary only."""
from __future__ import annotations

from typing import Any

import pytest
from ory_client.models.o_auth2_client import OAuth2Client

from oryauth import hydra_clients, ory
from oryauth.client_admin.forms import OAuth2ClientForm
from oryauth.client_admin.hydra_refusals import field_for_hydra_error
from oryauth.client_admin.uris import redirect_uri_warnings
from oryauth.errors import OryRejected, OryUnavailable


class FakeHydraAdmin:
    """Records what would have been sent; answers like Hydra or raises `error`."""

    def __init__(self, error: Exception | None = None) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.error = error

    def create_o_auth2_client(self, definition: OAuth2Client) -> OAuth2Client:
        self.calls.append(("create", definition))
        if self.error:
            raise self.error
        return OAuth2Client.from_dict({**definition.to_dict(), "client_id": definition.client_id or "generated", "client_secret": "s3cret-from-hydra"})


@pytest.fixture
def hydra(monkeypatch: pytest.MonkeyPatch) -> FakeHydraAdmin:
    fake = FakeHydraAdmin()
    monkeypatch.setattr(ory, "hydra_admin", lambda: fake)
    return fake


def valid(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "client_name": "App",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "scope": "openid email",
        "redirect_uris": "https://app.example.org/callback",
        "token_endpoint_auth_method": "client_secret_basic",
        "subject_type": "public",
    }
    data.update(overrides)
    return data


def errors_of(data: dict[str, Any]) -> dict[str, list[str]]:
    form = OAuth2ClientForm(data)
    form.is_valid()
    return {field: [str(e) for e in errors] for field, errors in form.errors.items()}


def test_a_valid_form_creates_the_client_in_hydra_and_keeps_the_shown_once_secret_in_memory(hydra: FakeHydraAdmin) -> None:
    form = OAuth2ClientForm(valid(metadata='{"team": "x"}', authorization_code_grant_access_token_lifespan="1h"))

    assert form.is_valid(), form.errors
    (action, definition), = hydra.calls
    assert action == "create"
    assert definition.client_name == "App"
    assert definition.redirect_uris == ["https://app.example.org/callback"]
    assert definition.metadata == {"team": "x"}
    assert definition.authorization_code_grant_access_token_lifespan == "1h"
    assert definition.client_id is None  # Hydra generates it
    assert form.saved_client.client_secret == "s3cret-from-hydra"


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"redirect_uris": "/callback"}, "redirect_uris", "not an absolute URL"),
        ({"redirect_uris": "https:///callback"}, "redirect_uris", "not an absolute URL"),
        ({"redirect_uris": "https://app.example.org/cb#top"}, "redirect_uris", "fragment"),
        ({"redirect_uris": ""}, "redirect_uris", "need a redirect URI"),
        ({"token_endpoint_auth_method": "none", "grant_types": ["client_credentials"], "response_types": []}, "token_endpoint_auth_method", "cannot use client_credentials"),
        ({"token_endpoint_auth_method": "private_key_jwt"}, "jwks_uri", "JWKS"),
        ({"grant_types": ["urn:ietf:params:oauth:grant-type:device_code"], "response_types": []}, "grant_types", "device"),
        ({"grant_types": ["refresh_token", "client_credentials"], "response_types": []}, "grant_types", "only works together with authorization_code"),
        ({"grant_types": ["client_credentials"], "response_types": ["code"]}, "response_types", "needs the authorization_code grant"),
        ({"response_types": ["code", "id_token"]}, "response_types", "need the implicit grant"),
        ({"response_types": []}, "response_types", "needs a response type with code"),
        ({"grant_types": ["implicit"], "response_types": ["id_token"], "scope": "email"}, "scope", "need the openid scope"),
        ({"post_logout_redirect_uris": "https://elsewhere.example.org/bye"}, "post_logout_redirect_uris", "share scheme, host and port"),
        ({"allowed_cors_origins": "https://app.example.org/path"}, "allowed_cors_origins", "origin only"),
        ({"metadata": "[1, 2]"}, "metadata", "JSON object"),
        ({"metadata": "{not json"}, "metadata", "JSON"),
        ({"scope": 'openid "quoted"'}, "scope", "Not a valid scope"),
        ({"authorization_code_grant_access_token_lifespan": "one hour"}, "authorization_code_grant_access_token_lifespan", "duration"),
        ({"client_id": "has spaces in it"}, "client_id", "letters, digits"),
        # URLs Python cannot parse were a 500 (ValueError), not a form error.
        ({"redirect_uris": "http://app.example.org:99999/cb"}, "redirect_uris", "not a valid URL"),
        ({"redirect_uris": "http://[::1/cb"}, "redirect_uris", "not a valid URL"),
        ({"post_logout_redirect_uris": "https://app.example.org:port/out"}, "post_logout_redirect_uris", "not a valid URL"),
        ({"allowed_cors_origins": "http://[::1"}, "allowed_cors_origins", "not an http(s) origin"),
        ({"allowed_cors_origins": "https://app.example.org:99999"}, "allowed_cors_origins", "not an http(s) origin"),
    ],
)
def test_mistakes_are_explained_on_the_field_before_anything_is_sent(
    hydra: FakeHydraAdmin, overrides: dict[str, Any], field: str, fragment: str
) -> None:
    errors = errors_of(valid(**overrides))

    assert field in errors, errors
    assert any(fragment in message for message in errors[field]), errors[field]
    assert hydra.calls == []


def test_a_public_client_with_pkce_and_a_native_redirect_uri_is_accepted(hydra: FakeHydraAdmin) -> None:
    form = OAuth2ClientForm(valid(token_endpoint_auth_method="none", redirect_uris="com.example.app:/oauth2redirect"))

    assert form.is_valid(), form.errors
    assert hydra.calls[0][1].token_endpoint_auth_method == "none"


def test_redirect_uris_that_differ_only_by_slash_or_host_spelling_are_saved_with_a_warning(hydra: FakeHydraAdmin) -> None:
    form = OAuth2ClientForm(
        valid(redirect_uris="http://127.0.0.1:9000/cb\nhttp://localhost:9000/cb\nhttps://app.example.org/x\nhttps://app.example.org/x/")
    )

    assert form.is_valid(), form.errors
    assert len(form.warnings) == 2
    assert "http://127.0.0.1:9000/cb and http://localhost:9000/cb" in form.warnings[0]
    assert "https://app.example.org/x and https://app.example.org/x/" in form.warnings[1]


def test_distinct_redirect_uris_give_no_warning() -> None:
    assert redirect_uri_warnings(["https://a.example.org/cb", "https://b.example.org/cb", "http://127.0.0.1:1/cb"]) == []


def test_a_taken_client_id_is_reported_on_the_client_id_field(hydra: FakeHydraAdmin) -> None:
    hydra.error = OryRejected("Hydra admin", 409, error_id="Conflict", message="resource with that value exists already")

    errors = errors_of(valid(client_id="taken"))

    assert errors["client_id"] == ["Hydra refused the change: resource with that value exists already"]


def test_an_unreachable_hydra_is_a_form_error_that_says_nothing_changed(hydra: FakeHydraAdmin) -> None:
    hydra.error = OryUnavailable("Hydra admin", "connection refused (is the server running?)")

    errors = errors_of(valid())

    assert "Nothing was changed" in errors["__all__"][0]
    assert "connection refused" in errors["__all__"][0]


@pytest.mark.parametrize(
    ("error_id", "message", "field"),
    [
        ("invalid_redirect_uri", "Redirect URIs must not contain fragments (#).", "redirect_uris"),
        ("invalid_client_metadata", 'post_logout_redirect_uri "x" must match the domain', "post_logout_redirect_uris"),
        ("invalid_client_metadata", "Subject type pairwise is not supported by server", "subject_type"),
        ("invalid_client_metadata", "Origin URL x from allowed_cors_origins could not be parsed", "allowed_cors_origins"),
        ("invalid_client_metadata", "When token_endpoint_auth_method is 'private_key_jwt', either jwks or jwks_uri", "jwks_uri"),
        ("invalid_request", "something else entirely", None),
    ],
)
def test_hydra_refusals_land_on_the_field_they_are_about(error_id: str, message: str, field: str | None) -> None:
    assert field_for_hydra_error(OryRejected("Hydra admin", 400, error_id=error_id, message=message)) == field


def test_the_cli_command_recreates_the_client_with_continuation_lines_and_the_admin_endpoint() -> None:
    client = OAuth2Client(
        client_id="billing",
        client_name="Billing app",
        grant_types=["authorization_code", "refresh_token"],
        response_types=["code"],
        scope="openid offline_access",
        redirect_uris=["https://billing.example.org/cb", "https://billing.example.org/cb2"],
        post_logout_redirect_uris=["https://billing.example.org/"],
        audience=[],
        token_endpoint_auth_method="client_secret_post",
        subject_type="public",
        skip_consent=True,
        owner="team billing",
        metadata={"tier": 2},
    )

    command = hydra_clients.cli_create_command(client, admin_url="http://127.0.0.1:4445")

    assert command == (
        "hydra create oauth2-client \\\n"
        "  --endpoint http://127.0.0.1:4445 \\\n"
        "  --format json \\\n"
        "  --id billing \\\n"
        "  --name 'Billing app' \\\n"
        "  --grant-type authorization_code,refresh_token \\\n"
        "  --response-type code \\\n"
        "  --scope openid,offline_access \\\n"
        "  --redirect-uri https://billing.example.org/cb \\\n"
        "  --redirect-uri https://billing.example.org/cb2 \\\n"
        "  --post-logout-callback https://billing.example.org/ \\\n"
        "  --token-endpoint-auth-method client_secret_post \\\n"
        "  --subject-type public \\\n"
        "  --skip-consent \\\n"
        "  --owner 'team billing' \\\n"
        "  --metadata '{\"tier\": 2}'"
    )
    assert hydra_clients.lifespans_command(client) is None


def test_lifespans_the_cli_cannot_set_come_as_a_curl_command() -> None:
    client = OAuth2Client(client_id="a b", authorization_code_grant_access_token_lifespan="1h0m0s")

    command = hydra_clients.lifespans_command(client, admin_url="http://127.0.0.1:4445/")

    assert command == (
        "curl -X PUT http://127.0.0.1:4445/admin/clients/a%20b/lifespans \\\n"
        "  -H 'Content-Type: application/json' \\\n"
        "  -d '{\"authorization_code_grant_access_token_lifespan\": \"1h0m0s\"}'"
    )


def test_closest_names_the_registered_uri_someone_probably_meant() -> None:
    registered = ["http://127.0.0.1:8000/auth/callback", "https://other.example.org/x"]
    assert hydra_clients.closest("http://127.0.0.1:8000/auth/callback/", registered) == registered[0]
    assert hydra_clients.closest("x", []) is None


def test_a_timeout_is_not_claimed_to_have_changed_nothing_in_hydra(hydra: FakeHydraAdmin) -> None:
    hydra.error = OryUnavailable("Hydra admin", "no answer within the timeout")

    errors = errors_of(valid())

    assert "did not answer in time" in errors["__all__"][0]
    assert "open the client again" in errors["__all__"][0]


class FakeHydraForUpdates:
    """Accepts patches; refuses the lifespans call, like a Hydra that went away half-way."""

    def __init__(self) -> None:
        self.patches: list[dict[str, Any]] = []

    def patch_o_auth2_client(self, client_id: str, operations: list[Any]) -> OAuth2Client:
        self.patches.append({op.path.lstrip("/"): op.value for op in operations})
        return OAuth2Client(client_id=client_id)

    def set_o_auth2_client_lifespans(self, client_id: str, lifespans: Any) -> OAuth2Client:
        raise OryUnavailable("Hydra admin", "connection refused (is the server running?)")


def test_a_save_that_fails_half_way_undoes_its_first_half(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeHydraForUpdates()
    monkeypatch.setattr(ory, "hydra_admin", lambda: fake)

    with pytest.raises(OryUnavailable):
        hydra_clients.update_client(
            "app",
            {"client_name": "New", "authorization_code_grant_access_token_lifespan": "1h"},
            previous={"client_name": "Old", "authorization_code_grant_access_token_lifespan": None},
        )

    assert fake.patches == [{"client_name": "New"}, {"client_name": "Old"}]


class CacheServerDown:
    """Django's cache while its Redis is down: every call raises, as redis-py does."""

    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any, **kwargs: Any) -> Any:
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6389. Connection refused.")

        return fail


def test_an_add_form_is_saved_when_the_cache_guarding_against_double_submission_is_down(
    hydra: FakeHydraAdmin, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from oryauth.client_admin import saving

    monkeypatch.setattr(saving, "caches", {"default": CacheServerDown()})
    form = OAuth2ClientForm(valid(submission_id="a1b2c3"))

    assert form.is_valid(), form.errors
    assert [action for action, _ in hydra.calls] == ["create"]
    assert "without the double-submission guard" in caplog.text


def test_a_refused_add_form_with_the_cache_down_is_a_form_error_not_a_500(monkeypatch: pytest.MonkeyPatch) -> None:
    from oryauth.client_admin import saving

    monkeypatch.setattr(ory, "hydra_admin", lambda: FakeHydraAdmin(error=OryUnavailable("Hydra admin", "connection refused")))
    monkeypatch.setattr(saving, "caches", {"default": CacheServerDown()})
    form = OAuth2ClientForm(valid(submission_id="a1b2c3"))

    assert not form.is_valid()
    assert form.non_field_errors()
