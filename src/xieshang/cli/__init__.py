"""The ``xieshang`` command line (Typer + Rich): parse, call one service, present."""
