"""What Hydra's discovery document should advertise, from the scope -> claim
mappings staff edit: `scopes_supported` and `claims_supported`.

Strict relying parties read those lists, and Hydra takes them from its own
configuration (`webfinger.oidc_discovery.supported_scope` and
`.supported_claims`), which oryauth cannot change at run time (Hydra v2.3 has
no admin API for it, and a site rarely may write Hydra's config file). So the
doctor and a deploy check (`oryauth.W044`) compare what Hydra advertises with
what the mappings grant and print the exact YAML to put in Hydra's config;
`deploy/ory/hydra.yml` carries the lists for the seeded mappings.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .models import ScopeClaim

# What Hydra always advertises, whatever its configuration says.
HYDRA_BUILTIN_SCOPES = ("offline_access", "offline", "openid")
HYDRA_BUILTIN_CLAIMS = ("sub",)


@dataclass(frozen=True)
class AdvertisedLists:
    scopes: tuple[str, ...]
    claims: tuple[str, ...]

    def hydra_yaml(self) -> str:
        """The part of hydra.yml that makes Hydra advertise exactly these lists."""
        scopes = "\n".join(f"      - {scope}" for scope in self.scopes if scope not in HYDRA_BUILTIN_SCOPES)
        claims = "\n".join(f"      - {claim}" for claim in self.claims if claim not in HYDRA_BUILTIN_CLAIMS)
        return f"webfinger:\n  oidc_discovery:\n    supported_scope:\n{scopes}\n    supported_claims:\n{claims}\n"


def differences(discovery: dict[str, Any], wanted: AdvertisedLists) -> list[str]:
    """How Hydra's discovery document differs from `wanted`, one sentence
    each ("scopes_supported lacks groups"); empty when they agree."""
    problems = []
    for name, have, want in (
        ("scopes_supported", discovery.get("scopes_supported") or [], wanted.scopes),
        ("claims_supported", discovery.get("claims_supported") or [], wanted.claims),
    ):
        missing, extra = sorted(set(want) - set(have)), sorted(set(have) - set(want))
        if missing:
            problems.append(f"{name} lacks {', '.join(missing)}")
        if extra:
            problems.append(f"{name} lists {', '.join(extra)}, which no enabled mapping grants")
    return problems


def granted_by_mappings() -> AdvertisedLists:
    """The scopes and claims the enabled mappings grant, plus Hydra's own."""
    rows = ScopeClaim.objects.filter(enabled=True).order_by("scope", "claim")
    scopes = dict.fromkeys([*HYDRA_BUILTIN_SCOPES, *(row.scope for row in rows)])
    claims = dict.fromkeys([*HYDRA_BUILTIN_CLAIMS, *(row.claim for row in rows)])
    return AdvertisedLists(tuple(scopes), tuple(claims))


def hydra_differences() -> tuple[list[str], AdvertisedLists] | None:
    """How Hydra's discovery differs from what the enabled mappings grant,
    and what it should list; None when Hydra or the database cannot be asked
    (the doctor reports that)."""
    from django.db import DatabaseError

    from .. import ory
    from ..errors import OryError

    try:
        discovery = ory.get_json(ory.HYDRA_PUBLIC, ory.DISCOVERY_PATH)
        wanted = granted_by_mappings()
    except (OryError, DatabaseError):
        return None
    return differences(discovery if isinstance(discovery, dict) else {}, wanted), wanted
