"""manage.py oryauth_doctor: check the running Kratos and Hydra against this
site's settings. Exit code 1 when anything is an error (for deployment pipelines)."""
from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from oryauth.doctor import Finding, diagnose, site_url_default

LABELS = {"ok": "ok", "warning": "WARNING", "error": "ERROR", "unverified": "not verified"}


class Command(BaseCommand):
    help = (
        "Ask Kratos and Hydra whether they fit this site's ORYAUTH settings: reachability and versions, "
        "the site's OAuth2 client, issuer, and the UI URLs Hydra and Kratos send browsers to."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--site-url",
            default=None,
            help="This site's origin as browsers reach it (default: the origin of ORYAUTH['CLIENT_REDIRECT_URI']).",
        )
        parser.add_argument(
            "--probe-sign-in",
            action="store_true",
            help="Also check Hydra's consent and logout URLs by signing in the made-up subject "
            "'oryauth-doctor-probe' at Hydra (the consent is rejected, no token is issued, the session is revoked).",
        )

    def handle(self, *args: Any, site_url: str | None, probe_sign_in: bool, **options: Any) -> None:
        site_url = site_url or site_url_default()
        self.stdout.write(f"oryauth doctor: checking Ory against this site ({site_url})\n")
        findings = diagnose(site_url, probe_sign_in=probe_sign_in)
        for finding in findings:
            self._print(finding)
        counts = {level: sum(f.level == level for f in findings) for level in LABELS}
        summary = (
            f"\n{counts['error']} error(s), {counts['warning']} warning(s), {counts['unverified']} not verified, "
            f"{counts['ok']} ok."
        )
        if counts["error"]:
            raise CommandError(summary.strip(), returncode=1)
        self.stdout.write(self.style.SUCCESS(summary))

    def _print(self, finding: Finding) -> None:
        style = {
            "ok": self.style.SUCCESS,
            "warning": self.style.WARNING,
            "error": self.style.ERROR,
            "unverified": self.style.NOTICE,
        }[finding.level]
        label = f"[{LABELS[finding.level]}]".ljust(14)
        self.stdout.write(f"{style(label)} {finding.subject}: {finding.detail}")
        if finding.fix and finding.level != "ok":
            self.stdout.write(f"{'':14} fix: {finding.fix}")
