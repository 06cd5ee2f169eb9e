"""manage.py oryauth_clients: OAuth2 clients in Hydra from the command line."""
from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from oryauth.client_admin.forms import OAuth2ClientForm
from oryauth.client_admin.records import record_client, sync_client_records
from oryauth.conf import oryauth_settings
from oryauth.errors import OryError
from oryauth.hydra_clients import ensure_site_client, list_clients


class Command(BaseCommand):
    help = (
        "List Hydra's OAuth2 clients, import them into the Django admin's list, create one, "
        "or register this site's own client (idempotent)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        listing = actions.add_parser("list", help="List every client Hydra has.")
        listing.add_argument("--json", action="store_true", help="Print JSON instead of a table.")
        actions.add_parser(
            "ensure-site-client",
            help="Create this site's client from ORYAUTH['CLIENT_*'], or add what it lacks (URIs, scopes, grants; "
            "auth method and secret set), keeping every other field staff set (safe to repeat).",
        )
        actions.add_parser(
            "import",
            help="Make the Django admin's client list equal to Hydra's (adds clients created elsewhere, drops deleted ones).",
        )
        create = actions.add_parser(
            "create", help="Create a client in Hydra (validated like the admin form) and print its secret once."
        )
        create.add_argument("--id", dest="client_id", default="", help="Client id (default: Hydra generates one).")
        create.add_argument("--name", default="")
        create.add_argument("--grant-type", action="append", dest="grant_types", help="Repeatable (default: authorization_code, refresh_token).")
        create.add_argument("--response-type", action="append", dest="response_types", help="Repeatable (default: code).")
        create.add_argument("--scope", default="openid offline_access email profile", help="Space-separated scopes.")
        create.add_argument("--redirect-uri", action="append", dest="redirect_uris", default=[], help="Repeatable.")
        create.add_argument("--post-logout-redirect-uri", action="append", dest="post_logout_redirect_uris", default=[])
        create.add_argument("--audience", action="append", default=[])
        create.add_argument(
            "--token-endpoint-auth-method",
            default="client_secret_basic",
            choices=["client_secret_basic", "client_secret_post", "private_key_jwt", "none"],
        )
        create.add_argument("--jwks-uri", default="")
        create.add_argument("--skip-consent", action="store_true")
        create.add_argument("--skip-logout-consent", action="store_true")
        create.add_argument("--owner", default="")
        create.add_argument("--json", action="store_true", help="Print the created client (with its secret) as JSON.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        try:
            if action == "list":
                self._list(as_json=options["json"])
            elif action == "import":
                self._import()
            elif action == "create":
                self._create(options)
            else:
                self._ensure_site_client()
        except OryError as exc:
            raise CommandError(str(exc)) from None

    def _list(self, *, as_json: bool) -> None:
        clients = list_clients()
        if as_json:
            self.stdout.write(json.dumps([c.to_dict() for c in clients], indent=2, default=str))
            return
        for client in clients:
            self.stdout.write(
                f"{client.client_id}\t{client.client_name or '-'}\t{','.join(client.grant_types or [])}"
                f"\t{client.token_endpoint_auth_method}\t{' '.join(client.redirect_uris or [])}"
            )
        self.stdout.write(f"{len(clients)} client(s)")

    def _ensure_site_client(self) -> None:
        conf = oryauth_settings()
        missing = [name for name in ("CLIENT_ID", "CLIENT_REDIRECT_URI") if not getattr(conf, name)]
        if conf.CLIENT_AUTH_METHOD != "none" and not conf.CLIENT_SECRET:
            missing.append("CLIENT_SECRET")
        if missing:
            raise CommandError(f"Set ORYAUTH[{', '.join(repr(m) for m in missing)}] first.")
        ensured = ensure_site_client(conf)
        client = ensured.client
        named = f"OAuth2 client {client.client_id!r} ({client.client_name})"
        if ensured.created:
            self.stdout.write(self.style.SUCCESS(f"Created {named}"))
        elif ensured.changed:
            self.stdout.write(self.style.SUCCESS(f"Updated {named}: {', '.join(ensured.changed)}; every other field kept"))
        else:
            self.stdout.write(self.style.SUCCESS(f"{named} already serves this site; nothing changed"))
        self.stdout.write(f"  redirect URIs: {', '.join(client.redirect_uris or [])}")
        self.stdout.write(f"  token endpoint auth method: {client.token_endpoint_auth_method}")

    def _import(self) -> None:
        report = sync_client_records()
        self.stdout.write(
            self.style.SUCCESS(
                f"Hydra has {report.total} client(s): {len(report.added)} added, {len(report.updated)} updated, "
                f"{len(report.removed)} removed in Django's list."
            )
        )
        for label, ids in (("added", report.added), ("updated", report.updated), ("removed", report.removed)):
            for client_id in ids:
                self.stdout.write(f"  {label}: {client_id}")

    def _create(self, options: dict[str, Any]) -> None:
        """Same validation as the admin form (one set of rules), then Hydra, then Django's list."""
        data = {
            "client_id": options["client_id"],
            "client_name": options["name"],
            "grant_types": options["grant_types"] or ["authorization_code", "refresh_token"],
            "response_types": options["response_types"] if options["response_types"] is not None else ["code"],
            "scope": options["scope"],
            "redirect_uris": "\n".join(options["redirect_uris"]),
            "post_logout_redirect_uris": "\n".join(options["post_logout_redirect_uris"]),
            "audience": "\n".join(options["audience"]),
            "token_endpoint_auth_method": options["token_endpoint_auth_method"],
            "jwks_uri": options["jwks_uri"],
            "skip_consent": options["skip_consent"],
            "skip_logout_consent": options["skip_logout_consent"],
            "owner": options["owner"],
            "subject_type": "public",
        }
        form = OAuth2ClientForm(data)
        if not form.is_valid():
            problems = [f"{field}: {message}" for field, messages in form.errors.items() for message in messages]
            raise CommandError("The client was not created:\n  " + "\n  ".join(problems))
        client = form.saved_client
        assert client is not None
        record_client(client)
        for warning in form.warnings:
            self.stderr.write(self.style.WARNING(warning))
        if options["json"]:
            self.stdout.write(json.dumps(client.to_dict(), indent=2, default=str))
            return
        self.stdout.write(self.style.SUCCESS(f"Created OAuth2 client {client.client_id!r} ({client.client_name or 'no name'})"))
        self.stdout.write(f"  client id:     {client.client_id}")
        if client.client_secret:
            self.stdout.write(f"  client secret: {client.client_secret}")
            self.stderr.write(self.style.WARNING("Store the secret now: it is shown this once and stored nowhere."))
        else:
            self.stdout.write("  no secret: public client (auth method none), it proves itself with PKCE")
