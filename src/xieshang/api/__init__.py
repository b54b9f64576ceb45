"""The HTTP API (FastAPI): JSON in and out, one error shape, thin routes over the services."""
