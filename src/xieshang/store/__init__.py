"""Persistence: SQLAlchemy models, repositories, unit of work, blob store, migrations."""
