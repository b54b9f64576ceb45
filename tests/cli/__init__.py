"""A package so that ``tests/cli/conftest.py`` imports as ``cli.conftest``: two top-level
``conftest`` modules (this one and ``tests/conftest.py``) collide under ``--doctest-modules``."""
