"""Django sites that each install one oryauth role (plus the core), set up
exactly as the README's quickstart for that role says.

`startproject.py` is what `django-admin startproject` writes; each
`<role>.py` adds the quickstart's lines to it, and `<role>_urls.py` is the
quickstart's URLconf. The misconfigured variants (`broken_*.py`) each break
one thing `manage.py check` must name. tests/integration/test_roles_*.py run
these sites in their own processes against the real Kratos and Hydra.
"""
