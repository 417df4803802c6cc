from typing import IO, Any, cast

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from roadmaps import exports
from roadmaps.selectors import roadmap_figure_build, roadmap_load, roadmap_title
from scoring.recompute import round_recompute
from surveys.models import Round, Study
from surveys.output import open_output


class Command(BaseCommand):
    help = (
        "Write a round's roadmap as a standalone HTML page (plotly.js inlined, opens offline) or "
        "as the Plotly figure JSON (default: the latest round with results)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--round", type=int, dest="number", help="the round's number")
        parser.add_argument("--format", required=True, choices=["html", "json"])
        parser.add_argument("-o", "--output", required=True, help="file path, or - for stdout")
        parser.add_argument(
            "--language",
            default="en",
            choices=[code for code, _name in settings.LANGUAGES],
            help="language of names and words",
        )
        parser.add_argument(
            "--compare",
            action="store_true",
            help="draw arrows from each field's position in the previous round",
        )

    def handle(self, *args: object, **options: object) -> None:
        slug = str(options["slug"])
        study = Study.objects.filter(slug=slug).first()
        if study is None:
            raise CommandError(f"no study with slug {slug!r}")
        number = cast(int | None, options["number"])
        self._refresh(study, number)
        roadmap = roadmap_load(study=study, number=number)
        if roadmap is None:
            which = "any round" if number is None else f"round {number}"
            raise CommandError(f"study {slug!r} has no results for {which}")
        language = str(options["language"])
        figure = roadmap_figure_build(
            roadmap,
            language=language,
            current_year=timezone.now().year,
            compare=bool(options["compare"]),
            title=roadmap_title(roadmap, language),
        )
        if options["format"] == "json":
            text = exports.figure_json(figure) + "\n"
        else:
            text = exports.standalone_html(roadmap, figure, language)
        stdout = cast(IO[Any], self.stdout._out)
        with open_output(str(options["output"]), stdout, binary=False) as out:
            out.write(text)

    def _refresh(self, study: Study, number: int | None) -> None:
        """Compute missing or stale snapshots first: a command may compute, a page never does."""
        rounds = Round.objects.filter(study=study, answers_version__gt=0)
        if number is not None:
            if not Round.objects.filter(study=study, number=number).exists():
                raise CommandError(f"study {study.slug!r} has no round {number}")
            rounds = rounds.filter(number__lte=number)
        for round_ in rounds.select_related("snapshot").order_by("number"):
            snapshot = getattr(round_, "snapshot", None)
            if snapshot is None or snapshot.answers_version < round_.answers_version:
                round_recompute(round_id=round_.pk)
