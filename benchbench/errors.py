"""Errors that are the user's to fix: the CLI prints them as one line and exits 2."""


class UserError(Exception):
    """Bad input: unknown name, malformed file, impossible budget, missing or corrupt data."""
