"""What every command shares: bad input as one line and exit code 2, and option parsing."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from benchbench.errors import UserError


def user_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Bad input becomes one line on stderr and exit code 2, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except UserError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(2)
        except OSError as error:  # a file that cannot be read or written, found mid-way
            where = f" {error.filename}" if error.filename else ""
            click.echo(f"error: cannot access{where}: {error.strerror or error}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("interrupted: rerun the same command to resume", err=True)
            sys.exit(130)

    return wrapper


def split_list(text: str | None) -> list[str] | None:
    return [part.strip() for part in text.split(",") if part.strip()] if text else None


def parse_int(text: str, option: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise UserError(f"{option}: {text!r} is not an integer") from None


def check_writable(path: Path, parents: bool = False) -> None:
    """Refuse an output that cannot be written before any work is done. With `parents`, a missing
    folder is fine where the nearest folder that exists is writable (the caller creates it)."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise UserError(f"{path} is a directory; give a file name")
    while parents and not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise UserError(f"cannot write {path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise UserError(f"cannot write {path}: permission denied")


def parse_assignments(items: tuple[str, ...], option: str = "--set") -> dict[str, Any]:
    """KEY=VALUE pairs with TOML values (1e-3, true, "text", [1, 2]); a bare word is text."""
    import tomllib

    out: dict[str, Any] = {}
    for item in items:
        refused = UserError(f'{option} {item!r}: expected KEY=VALUE with a TOML value (1e-3, true, "text")')
        key, equals, value = item.partition("=")
        if not equals or not key.strip():
            raise refused
        try:
            out[key.strip()] = tomllib.loads(f"value = {value}")["value"]
        except tomllib.TOMLDecodeError:
            if not value.strip().replace("-", "").replace("_", "").isalnum():
                raise refused from None
            out[key.strip()] = value.strip()  # a bare word: g_norm=batch
    return out


def valued(flag: str, kind: Any, default: Any, help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """An option of one type (a range, usually) whose default --help shows."""
    return click.option(flag, type=kind, default=default, show_default=True, help=help)
