"""The web face: server-rendered pages (Jinja2) over the services, in Chinese and English.

``install_web(app)`` (``web.app``) adds the pages, ``/static/…``, the security headers and the
HTML error pages to the FastAPI app that also serves the API.
"""
