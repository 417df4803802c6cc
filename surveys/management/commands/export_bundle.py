import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from surveys.bundles import bundle_export
from surveys.models import Study
from surveys.output import open_output, raw_stream


class Command(BaseCommand):
    help = "Write a study as a bundle (delphi-bundle/1)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("-o", "--output", required=True, help="file path, or - for stdout")

    def handle(self, *args: object, slug: str, output: str, **options: object) -> None:
        study = Study.objects.filter(slug=slug).first()
        if study is None:
            raise CommandError(f"no study with slug {slug!r}")
        document = bundle_export(study=study)
        with open_output(output, raw_stream(self.stdout), binary=False) as stream:
            json.dump(document, stream, ensure_ascii=False, indent=1)
            stream.write("\n")
