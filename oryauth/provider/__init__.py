"""Hydra's login, consent and logout challenges, and the scope -> claim mappings
staff edit in the admin. Needs `oryauth.portal`, `KRATOS_ADMIN_URL` and
`HYDRA_ADMIN_URL`.
"""
