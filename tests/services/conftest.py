"""The data services' fixtures: a ``container`` on each of ``DATABASES`` (a module overrides
it with its own when it needs another setup) and the ``world`` of people in it.  A module
still imports the PostgreSQL fixtures from ``store.conftest`` itself."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support.data_world import DATABASES, World, database_url, make_container, make_world
from xieshang.bootstrap import Container


@pytest.fixture(params=DATABASES)
def container(request: pytest.FixtureRequest, tmp_path) -> Iterator[Container]:
    built = make_container(tmp_path, database_url(request))
    yield built
    built.close()


@pytest.fixture
def world(container: Container) -> World:
    return make_world(container)
