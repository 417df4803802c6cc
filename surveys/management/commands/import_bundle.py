import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from surveys.bundles import BundleError, bundle_import
from surveys.output import raw_stream
from surveys.progress import TerminalProgress


class Command(BaseCommand):
    help = "Import a study bundle (delphi-bundle/1), all-or-nothing; prints the study's slug."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the bundle's JSON file, or - for standard input")
        parser.add_argument(
            "--replace", action="store_true", help="replace a study with the same slug"
        )

    def handle(self, *args: object, path: str, replace: bool, **options: object) -> None:
        try:
            text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
            ) from exc
        progress = TerminalProgress("answers", stream=raw_stream(self.stderr))
        try:
            study = bundle_import(data=data, replace=replace, progress=progress)
        except BundleError as exc:
            raise CommandError(f"invalid bundle at {exc.path}: {exc.message}") from exc
        finally:
            progress.finish()
        self.stdout.write(study.slug)
