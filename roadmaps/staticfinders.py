"""Serves plotly.js from the installed plotly package as `vendor/plotly.min.js`.

The pages must work on a closed network (no CDN), and the plotly package already carries the
exact plotly.js its figures are written for, so nothing is copied into the repository.
"""

from pathlib import Path
from typing import Any

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PACKAGE_DATA = Path(plotly.__file__).resolve().parent / "package_data"
FILES = {"vendor/plotly.min.js": "plotly.min.js"}


class PlotlyFinder(BaseFinder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.storage = FileSystemStorage(location=str(PACKAGE_DATA))
        self.storage.prefix = "vendor"  # type: ignore[attr-defined]

    def check(self, **kwargs: Any) -> list:
        return []

    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> Any:
        if path in FILES:
            match = str(PACKAGE_DATA / FILES[path])
            return [match] if find_all else match
        return [] if find_all else None

    def list(self, ignore_patterns: Any) -> Any:
        for name in FILES.values():
            yield name, self.storage
