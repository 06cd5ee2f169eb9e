"""Hydra's login, consent and logout challenges: the portal as an OAuth2 provider."""
