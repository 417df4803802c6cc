"""Where a command writes: a file, or standard output for `-o -`."""

import contextlib
from collections.abc import Iterator
from typing import IO, Any, cast

from django.core.management.base import CommandError, OutputWrapper


def raw_stream(wrapper: OutputWrapper) -> IO[Any]:
    """The stream a command's stdout/stderr wraps (call_command may pass its own)."""
    return cast(IO[Any], wrapper._out)


@contextlib.contextmanager
def open_output(path: str, stdout: IO[Any], *, binary: bool) -> Iterator[IO[Any]]:
    if path == "-":
        yield stdout.buffer if binary and hasattr(stdout, "buffer") else stdout
        stdout.flush()
        return
    try:
        stream: IO[Any] = (
            open(path, "wb") if binary else open(path, "w", encoding="utf-8")  # noqa: SIM115
        )
    except OSError as exc:
        raise CommandError(f"cannot write {path}: {exc.strerror}") from exc
    with stream:
        yield stream
