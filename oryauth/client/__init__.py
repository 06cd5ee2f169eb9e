"""The relying party: this site signs its users in through Hydra (`/auth/...`).
Needs `HYDRA_PUBLIC_URL`, `CLIENT_ID`, `CLIENT_SECRET` and `CLIENT_REDIRECT_URI`.
"""
