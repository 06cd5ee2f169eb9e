"""Pages the role sites have of their own, protected the way the README says."""
from django.http import HttpRequest, HttpResponse
from django.http import JsonResponse

from oryauth.decorators import api_login_required
from oryauth.decorators import login_required


@login_required
def protected_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"Signed in as {request.user.get_username()} ({request.user.email})")


# --- README quickstart "Protect an API", step 3 (verbatim) ---
@api_login_required
def me(request):
    caller = request.ory  # who Hydra (or Kratos) says presented the token
    return JsonResponse({"subject": caller.subject, "client_id": caller.client_id, "scopes": sorted(caller.scopes)})
# --- end of step 3 ---
