"""A progress line for long commands on a terminal; silent when the output is piped."""

import time
from typing import IO, Any


class TerminalProgress:
    def __init__(self, what: str, *, stream: IO[Any], min_total: int = 20_000) -> None:
        self.what = what
        self.stream = stream
        self.min_total = min_total
        self.shown = False
        self.last = 0.0
        self.enabled = bool(getattr(stream, "isatty", lambda: False)())

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total < self.min_total:
            return
        now = time.monotonic()
        if now - self.last < 0.2 and done < total:
            return
        self.last = now
        width = 30
        filled = width * done // max(total, 1)
        self.stream.write(
            f"\r{self.what}: [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,}"
        )
        self.stream.flush()
        self.shown = True

    def finish(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()
