"""Use cases: one function per thing a user does; the faces (CLI, API, web) call these."""
