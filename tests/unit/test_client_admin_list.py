"""Reading Hydra's client list page by page (Hydra stubbed at oryauth.ory)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from ory_client.models.o_auth2_client import OAuth2Client

from oryauth import hydra_clients, ory


class PagedHydra:
    """Answers like Hydra's GET /admin/clients: a page of clients and a Link header."""

    def __init__(self, pages: list[list[str]]) -> None:
        self.pages = pages
        self.tokens_asked: list[str | None] = []

    def list_o_auth2_clients_with_http_info(self, page_size: int, page_token: str | None) -> SimpleNamespace:
        self.tokens_asked.append(page_token)
        index = int(page_token or 0)
        headers = {}
        if index + 1 < len(self.pages):
            headers["Link"] = f'</admin/clients?page_size={page_size}&page_token={index + 1}>; rel="next",</admin/clients?page_token=9>; rel="last"'
        return SimpleNamespace(data=[OAuth2Client(client_id=cid) for cid in self.pages[index]], headers=headers)


def test_every_page_is_read_and_a_client_shifted_onto_two_pages_is_kept_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # "b" appears twice: a client created while the pages were read shifted it.
    fake = PagedHydra([["a", "b"], ["b", "c"], ["d"]])
    monkeypatch.setattr(ory, "hydra_admin", lambda: fake)

    clients = hydra_clients.list_clients(page_size=2)

    assert [c.client_id for c in clients] == ["a", "b", "c", "d"]
    assert fake.tokens_asked == [None, "1", "2"]
