"""A package so that ``tests/api/conftest.py`` imports as ``api.conftest``: two top-level
``conftest`` modules (this one and ``tests/conftest.py``) collide under ``--doctest-modules``."""
