"""Kratos identities in the Django admin, against the real Kratos: staff
find a person, see how and where they sign in (never a secret), and end
sessions, send a recovery code, deactivate or delete, each in the admin log."""
from __future__ import annotations

import uuid

import pytest
import requests
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.contrib.auth.models import Permission
from django.test import Client, override_settings
from django.urls import reverse

from oryauth.identity_admin import kratos
from tests.factories import UserFactory
from tests.support.kratos import TestIdentity, browser_login, create_identity
from tests.support.stack import KRATOS_ADMIN, KRATOS_PUBLIC

pytestmark = pytest.mark.django_db

LIST = "admin:oryauth_identity_admin_kratosidentity_changelist"


def person_url(identity_id: str, page: str = "change") -> str:
    return reverse(f"admin:oryauth_identity_admin_kratosidentity_{page}", args=[identity_id])


def staff_with(*codenames: str) -> Client:
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="oryauth_identity_admin", codename__in=codenames))
    browser = Client()
    browser.force_login(user)
    return browser


@pytest.fixture
def manager() -> Client:
    return staff_with("view_kratosidentity", "change_kratosidentity", "delete_kratosidentity")


@pytest.fixture
def person() -> TestIdentity:
    return create_identity(first_name="Katherine", last_name="Johnson")


def kratos_identity(identity_id: str) -> requests.Response:
    return requests.get(f"{KRATOS_ADMIN}/admin/identities/{identity_id}", timeout=5)


def signed_in(browser: requests.Session) -> bool:
    return requests.get(f"{KRATOS_PUBLIC}/sessions/whoami", cookies=browser.cookies, timeout=5).status_code == 200


def logged(identity_id: str, flag: int) -> list[str]:
    return [entry.get_change_message() for entry in LogEntry.objects.filter(object_id=identity_id, action_flag=flag).order_by("id")]


def test_staff_find_a_person_by_email_and_by_id(manager: Client, person: TestIdentity) -> None:
    by_email = manager.get(reverse(LIST), {"q": person.email})
    by_id = manager.get(reverse(LIST), {"q": person.id})

    for response in (by_email, by_id):
        assert response.status_code == 200
        assert person_url(person.id) in response.content.decode()
        assert response.context["page"].people[0].email == person.email


def test_the_list_pages_the_way_kratos_pages(manager: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    create_identity(), create_identity(), create_identity()
    monkeypatch.setattr(kratos, "PAGE_SIZE", 2)

    first = manager.get(reverse(LIST))
    token = first.context["page"].next_page_token
    second = manager.get(reverse(LIST), {"page_token": token})

    assert len(first.context["page"].people) == 2 and token
    assert {p.id for p in first.context["page"].people}.isdisjoint({p.id for p in second.context["page"].people})


def test_the_person_page_shows_traits_addresses_credentials_and_sessions_but_no_secret(manager: Client, person: TestIdentity) -> None:
    browser_login(person)

    response = manager.get(person_url(person.id))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Katherine" in page and person.email in page
    assert "verified" in page
    assert "Password" in page
    assert "$2a$" not in page and "hashed_password" not in page and person.password not in page
    assert len(response.context["sessions"]) == 1 and response.context["sessions"][0].methods == ("password",)


def test_ending_all_sessions_signs_the_person_out_everywhere_and_is_logged(manager: Client, person: TestIdentity) -> None:
    laptop, phone = browser_login(person), browser_login(person)

    response = manager.post(person_url(person.id, "end_sessions"))

    assert response.status_code == 302
    assert not signed_in(laptop) and not signed_in(phone)
    assert logged(person.id, CHANGE) == ["Changed sessions (all ended)."]


def test_a_recovery_code_is_shown_once_and_not_cached(manager: Client, person: TestIdentity) -> None:
    response = manager.post(person_url(person.id, "recovery_code"))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert response.context["code"].isdigit() and "/recovery?flow=" in response.context["link"]
    assert logged(person.id, CHANGE) == ["Changed recovery code (created)."]


def test_deactivating_stops_sign_ins_and_ends_sessions_and_reactivating_restores(manager: Client, person: TestIdentity) -> None:
    browser = browser_login(person)

    manager.post(person_url(person.id, "state"), {"state": "inactive"})

    assert kratos_identity(person.id).json()["state"] == "inactive"
    assert not signed_in(browser)
    with pytest.raises(requests.HTTPError):
        browser_login(person)

    manager.post(person_url(person.id, "state"), {"state": "active"})

    assert signed_in(browser_login(person))
    assert logged(person.id, CHANGE) == ["Changed state (inactive).", "Changed state (active)."]


def test_deleting_asks_first_then_deletes_in_kratos(manager: Client, person: TestIdentity) -> None:
    question = manager.get(person_url(person.id, "delete"))
    assert question.status_code == 200 and kratos_identity(person.id).status_code == 200

    response = manager.post(person_url(person.id, "delete"))

    assert response.status_code == 302 and response["Location"] == reverse(LIST)
    assert kratos_identity(person.id).status_code == 404
    assert LogEntry.objects.filter(object_id=person.id, action_flag=DELETION).count() == 1


@pytest.mark.parametrize("method, page", [("get", "changelist"), ("get", "change"), ("post", "end_sessions"),
                                          ("post", "recovery_code"), ("post", "state"), ("get", "delete"), ("post", "delete")])
def test_staff_without_permissions_see_none_of_it(person: TestIdentity, method: str, page: str) -> None:
    url = reverse(LIST) if page == "changelist" else person_url(person.id, page)

    response = getattr(staff_with(), method)(url, {"state": "inactive"} if page == "state" else {})

    assert response.status_code == 403
    assert kratos_identity(person.id).json()["state"] == "active"


@pytest.mark.parametrize("page", ["end_sessions", "recovery_code", "state", "delete"])
def test_view_only_staff_can_look_but_not_act(person: TestIdentity, page: str) -> None:
    viewer = staff_with("view_kratosidentity")

    assert viewer.get(person_url(person.id)).status_code == 200
    assert viewer.post(person_url(person.id, page), {"state": "inactive"}).status_code == 403


def test_an_unknown_identity_is_a_message_not_an_error(manager: Client) -> None:
    response = manager.get(person_url(str(uuid.uuid4())), follow=True)

    assert response.status_code == 200
    assert "Kratos has no identity" in response.content.decode()


def test_kratos_down_is_the_admins_own_message_never_a_500(manager: Client, person: TestIdentity, settings) -> None:  # noqa: ANN001
    with override_settings(ORYAUTH={**settings.ORYAUTH, "KRATOS_ADMIN_URL": "http://127.0.0.1:1", "HTTP_TIMEOUT": 1.0}):
        listed = manager.get(reverse(LIST))
        opened = manager.get(person_url(person.id), follow=True)
        acted = manager.post(person_url(person.id, "end_sessions"), follow=True)

    for response in (listed, opened, acted):
        assert response.status_code == 200
        assert "Kratos could not be read" in response.content.decode()


def test_ending_sessions_is_seen_by_this_site_at_once_not_when_its_cached_answer_expires(
    manager: Client, person: TestIdentity
) -> None:
    site = Client()
    site.cookies["ory_kratos_session"] = browser_login(person).cookies["ory_kratos_session"]
    assert site.get("/api/me/").json()["identity_id"] == person.id  # this site now holds a cached answer

    manager.post(person_url(person.id, "end_sessions"))

    assert site.get("/api/me/").status_code == 401
