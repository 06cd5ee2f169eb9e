"""manage.py oryauth_clients: OAuth2 clients in Hydra from the command line."""
from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from oryauth.conf import oryauth_settings
from oryauth.errors import OryError
from oryauth.hydra_clients import ensure_client, list_clients, site_client_definition


class Command(BaseCommand):
    help = "List Hydra's OAuth2 clients, or register this site's own client (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        listing = actions.add_parser("list", help="List every client Hydra has.")
        listing.add_argument("--json", action="store_true", help="Print JSON instead of a table.")
        actions.add_parser(
            "ensure-site-client",
            help="Create this site's client from ORYAUTH['CLIENT_*'], or update it to match (safe to repeat).",
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        try:
            if action == "list":
                self._list(as_json=options["json"])
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
        client, created = ensure_client(site_client_definition(conf))
        verb = "Created" if created else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} OAuth2 client {client.client_id!r} ({client.client_name})"))
        self.stdout.write(f"  redirect URIs: {', '.join(client.redirect_uris or [])}")
        self.stdout.write(f"  token endpoint auth method: {client.token_endpoint_auth_method}")
