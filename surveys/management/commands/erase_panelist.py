from django.core.management.base import BaseCommand, CommandError, CommandParser

from surveys.models import Panelist, Study
from surveys.privacy import panelist_erase


def panelist_of(slug: str, expert_id: str) -> Panelist:
    """The panelist by identifier, or by pseudonym where no identifier matches (as expert_link)."""
    study = Study.objects.filter(slug=slug).first()
    if study is None:
        raise CommandError(f"no study with slug {slug!r}")
    panelist = (
        study.panelists.filter(external_id=expert_id).first()
        or study.panelists.filter(pseudonym=expert_id).first()
    )
    if panelist is None:
        raise CommandError(f"no expert {expert_id!r} in study {slug!r}")
    return panelist


class Command(BaseCommand):
    help = (
        "Erase one panelist's name, e-mail address and affiliation and withdraw their links; "
        "their answers stay under the pseudonym, so results do not change."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("expert_id", help="the expert's identifier (or pseudonym, E01…)")

    def handle(self, *args: object, slug: str, expert_id: str, **options: object) -> None:
        panelist = panelist_erase(panelist=panelist_of(slug, expert_id))
        self.stdout.write(
            f"erased the personal data of {panelist.pseudonym} in {slug} "
            f"(answers kept; links withdrawn)"
        )
