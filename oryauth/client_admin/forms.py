"""The admin form for one Hydra OAuth2 client.

Validation happens here, before anything is sent; then the form saves through
`saving.save_client` (in `_post_clean`), so a refusal from Hydra, or a change
made in Hydra since the page was shown, comes back as an error on the right
field and the admin never saves Django's copy of a change Hydra did not accept.
"""
from __future__ import annotations

import re
import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from ory_client.models.o_auth2_client import OAuth2Client

from .. import hydra_clients
from ..errors import OryError, OryRejected
from ..hydra_clients import initial_from_client
from .hydra_refusals import field_for_hydra_error, readable_time, unreachable_message
from .models import OAuth2ClientRecord
from .saving import AlreadySubmitted, ChangedInHydra, ClientPage, SavedClient, save_client
from .uris import absolute_uri, cors_origin, origin, redirect_uri_warnings

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"

GRANT_TYPE_CHOICES = [
    ("authorization_code", "authorization_code"),
    ("refresh_token", "refresh_token"),
    ("client_credentials", "client_credentials"),
    ("implicit", "implicit"),
    (DEVICE_GRANT, _("device_code (device authorization grant)")),
]
RESPONSE_TYPE_CHOICES = [
    (value, value)
    for value in ("code", "id_token", "token", "code id_token", "code token", "id_token token", "code id_token token")
]
AUTH_METHOD_CHOICES = [
    ("client_secret_basic", _("client_secret_basic — secret in the Authorization header")),
    ("client_secret_post", _("client_secret_post — secret in the form body")),
    ("private_key_jwt", _("private_key_jwt — signed assertion, needs a JWKS URI")),
    ("none", _("none — public client (browser or native app with PKCE), no secret")),
]
SUBJECT_TYPE_CHOICES = [("public", "public"), ("pairwise", "pairwise")]

# Go durations, the format Hydra stores lifespans in ("1h", "30m", "1h30m0s").
GO_DURATION = re.compile(r"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$")
SCOPE_TOKEN = re.compile(r"^[\x21\x23-\x5B\x5D-\x7E]+$")  # RFC 6749 scope-token
CLIENT_ID = re.compile(r"^[A-Za-z0-9._~:@-]+$")


class LinesField(forms.CharField):
    """One value per line; blank lines ignored. Cleans to a list."""

    widget = forms.Textarea(attrs={"rows": 3, "cols": 80})

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, (list, tuple)) else value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


def _lifespan_label(name: str) -> str:
    return name.removesuffix("_lifespan").replace("_", " ")


# One optional duration field per lifespan Hydra knows (declared on a base
# class so the admin's fieldsets can name them).
_LifespanFields = type(
    "_LifespanFields",
    (forms.Form,),
    {
        name: forms.CharField(
            label=_lifespan_label(name), required=False, help_text=_("e.g. 1h or 30m; empty: Hydra's default.")
        )
        for name in hydra_clients.LIFESPAN_FIELDS
    },
)


class OAuth2ClientForm(forms.ModelForm, _LifespanFields):  # type: ignore[misc,valid-type]  # _LifespanFields is built at import
    """Every client field people set. `page` is what this request learnt from
    Hydra about the client (the admin binds it; empty on the add page)."""

    page: ClientPage = ClientPage()

    client_id = forms.CharField(
        label=_("Client id"),
        required=False,
        max_length=255,
        help_text=_("Leave empty and Hydra generates a UUID. Cannot be changed later."),
    )
    client_name = forms.CharField(label=_("Name"), required=False, max_length=255)
    grant_types = forms.MultipleChoiceField(
        label=_("Grant types"),
        choices=GRANT_TYPE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "authorization_code needs the response type code and a redirect URI; refresh_token only works with "
            "authorization_code; implicit needs a response type with token or id_token; client_credentials needs "
            "a secret (not auth method none). Hydra v2.3.0 does not implement the device grant."
        ),
    )
    response_types = forms.MultipleChoiceField(
        label=_("Response types"),
        choices=RESPONSE_TYPE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("code needs the authorization_code grant; token and id_token need the implicit grant."),
    )
    scope = forms.CharField(
        label=_("Scopes"),
        required=False,
        help_text=_("Space-separated scopes the client may request, e.g. openid offline_access email profile."),
    )
    redirect_uris = LinesField(
        label=_("Redirect URIs"),
        required=False,
        help_text=_("One per line, absolute, no fragment. Hydra compares them character for character."),
    )
    post_logout_redirect_uris = LinesField(
        label=_("Post-logout redirect URIs"),
        required=False,
        help_text=_("One per line; each must share scheme, host and port with a redirect URI."),
    )
    audience = LinesField(label=_("Audience"), required=False, help_text=_("One per line."))
    token_endpoint_auth_method = forms.ChoiceField(
        label=_("Token endpoint auth method"), choices=AUTH_METHOD_CHOICES, initial="client_secret_basic"
    )
    jwks_uri = forms.URLField(
        label=_("JWKS URI"), required=False, assume_scheme="https", help_text=_("Required for private_key_jwt.")
    )
    skip_consent = forms.BooleanField(label=_("Skip consent"), required=False)
    skip_logout_consent = forms.BooleanField(label=_("Skip logout consent"), required=False)
    subject_type = forms.ChoiceField(label=_("Subject type"), choices=SUBJECT_TYPE_CHOICES, initial="public")
    allowed_cors_origins = LinesField(
        label=_("Allowed CORS origins"), required=False, help_text=_("One per line: scheme, host and port only.")
    )
    client_uri = forms.URLField(label=_("Client URI"), required=False, assume_scheme="https")
    logo_uri = forms.URLField(label=_("Logo URI"), required=False, assume_scheme="https")
    policy_uri = forms.URLField(label=_("Policy URI"), required=False, assume_scheme="https")
    tos_uri = forms.URLField(label=_("Terms of service URI"), required=False, assume_scheme="https")
    owner = forms.CharField(label=_("Owner"), required=False, max_length=255)
    contacts = LinesField(label=_("Contacts"), required=False, help_text=_("One per line, usually email addresses."))
    # One random id per add form: a reloaded "client created" page re-sends
    # the form, which must not create a second client with a second secret.
    submission_id = forms.CharField(widget=forms.HiddenInput, required=False)
    # Hydra's updated_at of the client as shown: saving checks it has not moved.
    hydra_version = forms.CharField(widget=forms.HiddenInput, required=False)
    metadata = forms.JSONField(
        label=_("Metadata (JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text=_("A JSON object; Hydra stores it as is."),
    )

    class Meta:
        model = OAuth2ClientRecord
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hydra: OAuth2Client | None = self.page.hydra
        self.hydra_error: OryError | None = self.page.hydra_error
        # Filled after Hydra accepted: what the save did (the secret of a new
        # client included) — never saved anywhere.
        self.saved: SavedClient | None = None
        self.warnings: list[str] = []
        if self.hydra is not None:
            self.initial.update(initial_from_client(self.hydra))
            self.initial["hydra_version"] = self.page.version
            # Values set outside this form (e.g. the jwt-bearer grant) stay
            # choosable, so saving an unrelated field never drops them.
            for name in ("grant_types", "response_types"):
                field = self.fields[name]
                assert isinstance(field, forms.MultipleChoiceField)
                choices: list[tuple[str, Any]] = list(field.choices)  # type: ignore[arg-type]  # a plain list above
                known = {value for value, _label in choices}
                field.choices = [*choices, *((v, v) for v in self.initial[name] if v not in known)]
            self.fields["client_id"].disabled = True
            self.fields["client_id"].help_text = _("Assigned when the client was created.")
        if self.is_bound is False and self.hydra is None:
            self.initial["submission_id"] = uuid.uuid4().hex
            self.initial.setdefault("grant_types", ["authorization_code", "refresh_token"])
            self.initial.setdefault("response_types", ["code"])
            self.initial.setdefault("scope", "openid offline_access email profile")

    @property
    def adding(self) -> bool:
        return self.hydra is None and self.instance._state.adding

    # --- field validation -------------------------------------------------

    def clean_client_id(self) -> str:
        value = self.cleaned_data["client_id"].strip()
        if self.adding and value and not CLIENT_ID.match(value):
            raise forms.ValidationError(_("Use letters, digits and . _ ~ : @ - only."))
        return value

    def clean_scope(self) -> str:
        tokens = self.cleaned_data["scope"].split()
        bad = [token for token in tokens if not SCOPE_TOKEN.match(token)]
        if bad:
            raise forms.ValidationError(_("Not a valid scope: %(scopes)s"), params={"scopes": ", ".join(bad)})
        return " ".join(tokens)

    def clean_redirect_uris(self) -> list[str]:
        return [absolute_uri(uri) for uri in self.cleaned_data["redirect_uris"]]

    def clean_post_logout_redirect_uris(self) -> list[str]:
        return [absolute_uri(uri) for uri in self.cleaned_data["post_logout_redirect_uris"]]

    def clean_allowed_cors_origins(self) -> list[str]:
        return [cors_origin(value) for value in self.cleaned_data["allowed_cors_origins"]]

    def clean_metadata(self) -> dict[str, Any]:
        value = self.cleaned_data["metadata"]
        if value in (None, ""):
            return {}
        if not isinstance(value, dict):
            raise forms.ValidationError(_("Metadata must be a JSON object, e.g. {\"team\": \"billing\"}."))
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in hydra_clients.LIFESPAN_FIELDS:
            value = (cleaned.get(name) or "").strip()
            if value and not GO_DURATION.match(value):
                self.add_error(name, _("Use a duration such as 1h, 30m or 1h30m."))
            cleaned[name] = value or None
        self.warnings = redirect_uri_warnings(cleaned.get("redirect_uris") or [])
        self._check_grants_and_response_types(cleaned)
        self._check_auth_method(cleaned)
        self._check_post_logout_uris(cleaned)
        return cleaned

    def _check_grants_and_response_types(self, cleaned: dict[str, Any]) -> None:
        grants = set(cleaned.get("grant_types") or [])
        responses = cleaned.get("response_types") or []
        response_parts = {part for value in responses for part in value.split()}
        redirect_uris = cleaned.get("redirect_uris")
        if DEVICE_GRANT in grants:
            self.add_error("grant_types", _("Hydra v2.3.0 does not implement the device authorization grant."))
        if "refresh_token" in grants and "authorization_code" not in grants:
            self.add_error("grant_types", _("refresh_token only works together with authorization_code."))
        if "code" in response_parts and "authorization_code" not in grants:
            held = set(self.hydra.response_types or []) if self.hydra is not None else set()
            if "code" in held:
                # Hydra gives every client the response type code unless told
                # otherwise (a CLI-made client_credentials client has it): it is
                # unused, not wrong, and must not block editing such a client.
                self.warnings.append(str(_("Response type code is unused without the authorization_code grant; "
                                           "untick it unless the client will get that grant.")))
            else:
                self.add_error("response_types", _("Response type code needs the authorization_code grant."))
        if response_parts & {"token", "id_token"} and "implicit" not in grants:
            self.add_error("response_types", _("Response types with token or id_token need the implicit grant."))
        if "authorization_code" in grants and "code" not in response_parts:
            self.add_error("response_types", _("The authorization_code grant needs a response type with code."))
        if "implicit" in grants and not response_parts & {"token", "id_token"}:
            self.add_error("response_types", _("The implicit grant needs a response type with token or id_token."))
        if "id_token" in response_parts and "openid" not in (cleaned.get("scope") or "").split():
            self.add_error("scope", _("Response types with id_token need the openid scope."))
        if grants & {"authorization_code", "implicit"} and redirect_uris == []:
            self.add_error("redirect_uris", _("Browser grants (authorization_code, implicit) need a redirect URI."))

    def _check_auth_method(self, cleaned: dict[str, Any]) -> None:
        method = cleaned.get("token_endpoint_auth_method")
        grants = set(cleaned.get("grant_types") or [])
        if method == "none" and "client_credentials" in grants:
            self.add_error(
                "token_endpoint_auth_method",
                _("A public client (none) has no secret, so it cannot use client_credentials."),
            )
        if method == "none" and "authorization_code" not in grants and "implicit" not in grants:
            self.add_error(
                "token_endpoint_auth_method",
                _("none is for public browser or native apps: they use authorization_code with PKCE."),
            )
        has_jwks = bool(self.hydra and self.hydra.jwks and self.hydra.jwks.keys)
        if method == "private_key_jwt" and not cleaned.get("jwks_uri") and not has_jwks:
            self.add_error("jwks_uri", _("private_key_jwt needs the URI of the client's public keys (JWKS)."))

    def _check_post_logout_uris(self, cleaned: dict[str, Any]) -> None:
        redirect_origins = {origin(uri) for uri in cleaned.get("redirect_uris") or []}
        for uri in cleaned.get("post_logout_redirect_uris") or []:
            if origin(uri) not in redirect_origins:
                self.add_error(
                    "post_logout_redirect_uris",
                    _("%(uri)s must share scheme, host and port with one of the redirect URIs (Hydra requires it).")
                    % {"uri": uri},
                )

    # --- writing to Hydra ---------------------------------------------------

    def _post_clean(self) -> None:
        # Deliberately not ModelForm's: Django's copy is filled from Hydra's
        # answer (save_form), never from the form.
        if self.errors:
            return
        if self.hydra_error is not None:
            self.add_error(None, unreachable_message(self.hydra_error))
            return
        try:
            self.saved = save_client(
                self.cleaned_data,
                current=self.hydra,
                shown_version=self.cleaned_data.get("hydra_version") or "",
                submission_id=self.cleaned_data.get("submission_id") or "",
            )
        except AlreadySubmitted:
            self.add_error(None, _("This form was sent before and the client was created then (its secret was shown "
                                   "once). Find it in the client list."))
        except ChangedInHydra as exc:
            self.add_error(None, _("Someone changed this client in Hydra (at %(when)s) after you opened this page. "
                                   "Nothing was saved: reload the page to see the current values, then make your "
                                   "change again.") % {"when": readable_time(exc.updated_at)})
        except OryError as exc:
            self._add_hydra_error(exc)

    @property
    def saved_client(self) -> OAuth2Client | None:
        return self.saved.client if self.saved else None

    def _add_hydra_error(self, exc: OryError) -> None:
        if not isinstance(exc, OryRejected):
            self.add_error(None, unreachable_message(exc))
            return
        message = _("Hydra refused the change: %(reason)s") % {"reason": exc.message or exc.error_id or exc.status}
        field = field_for_hydra_error(exc)
        self.add_error(field if field in self.fields else None, message)
