"""Where a command writes: a file, or standard output for `-o -`."""

import contextlib
from collections.abc import Iterator
from typing import IO, Any


@contextlib.contextmanager
def open_output(path: str, stdout: IO[Any], *, binary: bool) -> Iterator[IO[Any]]:
    if path == "-":
        yield stdout.buffer if binary and hasattr(stdout, "buffer") else stdout
        stdout.flush()
        return
    try:
        stream = open(path, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8"}))  # noqa: SIM115
    except OSError as exc:
        from django.core.management.base import CommandError

        raise CommandError(f"cannot write {path}: {exc.strerror}") from exc
    with stream:
        yield stream
