"""OpenID Connect request parameters read one way, wherever they arrive (the
relying party's start view, a login request Hydra hands the provider)."""
from __future__ import annotations

import re

# `max_age` as Hydra reads it (Go's ParseInt: ASCII digits, int64). Anything
# else Hydra ignores, and so do we: `str.isdigit` would let "²" or a
# 5,000-digit number through to `int()`, which raises.
_MAX_AGE = re.compile(r"[0-9]{1,18}")


def parse_max_age(value: str | None) -> int | None:
    """Seconds since the person last authenticated that a client accepts, or
    None when `value` is absent or not a number Hydra would read."""
    return int(value) if value and _MAX_AGE.fullmatch(value) else None
