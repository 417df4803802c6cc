from django.core.management.base import BaseCommand, CommandError, CommandParser

from scoring.recompute import round_recompute
from surveys.models import Study


class Command(BaseCommand):
    help = "Recompute the results of a round (default: every round), synchronously."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--round", type=int, dest="number", help="the round's number")

    def handle(self, *args: object, slug: str, number: int | None, **options: object) -> None:
        study = Study.objects.filter(slug=slug).first()
        if study is None:
            raise CommandError(f"no study with slug {slug!r}")
        rounds = study.rounds.order_by("number")
        if number is not None:
            rounds = rounds.filter(number=number)
            if not rounds.exists():
                raise CommandError(f"study {slug!r} has no round {number}")
        for round_ in rounds:
            round_recompute(round_id=round_.pk)
            self.stdout.write(f"{slug} round {round_.number}: recomputed")
