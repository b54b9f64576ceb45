"""Helpers shared by tests in several folders, imported as ``support.<module>``: pytest puts
``tests/`` on ``sys.path`` when it loads ``tests/conftest.py`` (rootdir-relative "prepend"
import mode, no ``__init__.py`` in ``tests/``)."""
