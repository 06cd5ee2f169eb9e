import pytest


@pytest.fixture(autouse=True)
def _real_ory_stack(ory_stack: None) -> None:
    """Every test here runs against the real Kratos and Hydra."""
