"""Errors that are the user's to fix: the CLI prints them as one line and exits 2."""


class UserError(Exception):
    """Bad input: unknown name, malformed file, impossible budget, missing or corrupt data."""


def one_line(error: BaseException, limit: int = 200) -> str:
    """An exception as "Type: first line of its message", short enough for a one-line error."""
    lines = str(error).strip().splitlines()
    text = lines[0] if lines else ""
    return f"{type(error).__name__}: {text[:limit]}" if text else type(error).__name__
