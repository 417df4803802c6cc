from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from surveys.models import Invitation, Round, Study
from surveys.services import invitation_link, invitations_create


class Command(BaseCommand):
    help = "Print the path of an expert's personal questionnaire link for the study's open round."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("expert_id", help="the expert's identifier (or pseudonym, E01…)")
        parser.add_argument(
            "--url", action="store_true", help="print the whole address (SITE_URL + path)"
        )

    def handle(
        self, *args: object, slug: str, expert_id: str, url: bool, **options: object
    ) -> None:
        study = Study.objects.filter(slug=slug).first()
        if study is None:
            raise CommandError(f"no study with slug {slug!r}")
        round_ = Round.objects.filter(study=study, status=Round.Status.OPEN).first()
        if round_ is None:
            raise CommandError(f"study {slug!r} has no open round")
        # The identifier from the bundle or panel; a pseudonym is accepted where no identifier
        # matches, since analysts see pseudonyms.
        panelist = (
            study.panelists.filter(external_id=expert_id).first()
            or study.panelists.filter(pseudonym=expert_id).first()
        )
        if panelist is None:
            raise CommandError(f"no expert {expert_id!r} in study {slug!r}")
        invitation = Invitation.objects.filter(round=round_, panelist=panelist).first()
        if invitation is None:
            # A panelist added while the round was open without an invitation yet gets one now.
            invitations_create(round_=round_)
            invitation = Invitation.objects.get(round=round_, panelist=panelist)
        if invitation.revoked_at is not None:
            raise CommandError(
                f"the invitation of {expert_id!r} in round {round_.number} is revoked"
            )
        path = invitation_link(invitation=invitation)
        self.stdout.write(settings.SITE_URL.rstrip("/") + path if url else path)
