import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from scoring.exports import results_csv, results_xlsx
from scoring.recompute import round_recompute
from scoring.selectors import latest_scored_round, node_names, snapshot_document
from surveys.models import Study
from surveys.output import open_output, raw_stream


class Command(BaseCommand):
    help = "Write the results of a round (default: the latest round with answers)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--round", type=int, dest="number", help="the round's number")
        parser.add_argument("--format", required=True, choices=["json", "csv", "xlsx"])
        parser.add_argument("-o", "--output", required=True, help="file path, or - for stdout")
        parser.add_argument(
            "--language",
            default="en",
            choices=[code for code, _name in settings.LANGUAGES],
            help="language of names and words in CSV and XLSX",
        )

    def handle(self, *args: object, **options: object) -> None:
        slug = str(options["slug"])
        study = Study.objects.filter(slug=slug).first()
        if study is None:
            raise CommandError(f"no study with slug {slug!r}")
        number = options["number"]
        assert number is None or isinstance(number, int)
        if number is None:
            round_ = latest_scored_round(study=study)
            if round_ is None:
                raise CommandError(f"study {slug!r} has no rounds")
        else:
            round_ = study.rounds.filter(number=number).first()
            if round_ is None:
                raise CommandError(f"study {slug!r} has no round {number}")
        document = snapshot_document(round_=round_)
        if document is None or round_.snapshot.answers_version < round_.answers_version:
            # No snapshot yet (a worker has not run): compute it now rather than export stale data.
            round_recompute(round_id=round_.pk)
            round_.refresh_from_db()
            document = snapshot_document(round_=round_)
        assert document is not None
        fmt = options["format"]
        language = str(options["language"])
        output = str(options["output"])
        with open_output(output, raw_stream(self.stdout), binary=fmt != "json") as out:
            if fmt == "json":
                json.dump(document, out, ensure_ascii=False, indent=1)
                out.write("\n")
            elif fmt == "csv":
                out.write(results_csv(document, node_names(study=study), language))
            else:
                out.write(results_xlsx(document, node_names(study=study), language))
