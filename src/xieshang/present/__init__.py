"""Presentation shared by the faces (CLI, API, web): numbers as people read them, results as
JSON-ready values, requests in words.  Imports the domain and the message catalog only."""
