"""The shape of an authorisation decision for a page (GET) or a form (POST)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from web.world import PageWorld


@dataclass(frozen=True)
class Page:
    """``url`` of the page in the world; ``allowed``: who gets it; ``unseen``: who is told it
    does not exist (404: someone of the right role it is not theirs to see); ``to_clients``:
    counselors with no client chosen (sent to /clients); every other logged-in caller gets
    403, and a visitor not logged in is sent to /login."""

    url: Callable[[PageWorld], str]
    allowed: frozenset[str]
    unseen: frozenset[str] = frozenset()
    to_clients: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Form:
    """A state-changing form: ``url`` and ``data`` (without the CSRF token) in the world;
    ``allowed`` may use it (not posted by the matrix: it would change the world); ``unseen``
    are told 404, ``to_clients`` are sent to /clients, every other logged-in caller gets 403 and
    a visitor is sent to /login — and none of them changes anything."""

    url: Callable[[PageWorld], str]
    allowed: frozenset[str]
    data: Callable[[PageWorld], dict[str, Any]] = field(default=lambda w: {})
    unseen: frozenset[str] = frozenset()
    to_clients: frozenset[str] = frozenset()


# A page of one's own file (finances, the loans list, plans, cases list, conduct): every
# borrower sees their own, the counselor the owner's (the file they work on); the other
# counselor has chosen no client and is sent to /clients.
OWN_FILE = frozenset({"owner", "other_borrower", "counselor"})
# An object in the owner's file (a loan, a case): the owner and their counselor; the other
# borrower is told it does not exist.
OWNER_OBJECT = frozenset({"owner", "counselor"})
UNSEEN_BY_OTHER_BORROWER = frozenset({"other_borrower"})
NO_CLIENT_CHOSEN = frozenset({"other_counselor"})
