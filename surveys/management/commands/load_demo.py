from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from surveys.bundles import bundle_import
from surveys.demo.simulate import PANEL_SIZE, ROUND2_SUBMITTED, demo_bundle, demo_draft
from surveys.models import Invitation, Round, Study, StudyRole
from surveys.services import invitation_link

DEMO_ANALYST = ("analyst", "delphi-demo-2023")
DEMO_ADMIN = ("admin", "delphi-admin-2023")


class Command(BaseCommand):
    help = "Load the demo study: the seed framework with a simulated panel of ten experts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset", action="store_true", help="rebuild the demo study if it exists"
        )

    def handle(self, *args: object, reset: bool, **options: object) -> None:
        bundle = demo_bundle()
        slug = bundle["study"]["slug"]
        with transaction.atomic():
            if reset or not Study.objects.filter(slug=slug).exists():
                study = bundle_import(data=bundle, replace=True)
                self._add_draft(study, bundle)
                self.stdout.write(f"Demo study {slug!r} loaded.")
            else:
                study = Study.objects.get(slug=slug)
                self.stdout.write(f"Demo study {slug!r} already there (--reset rebuilds it).")
            self._users(study)
        self._print_welcome(study)

    def _add_draft(self, study: Study, bundle: dict) -> None:
        from surveys.questionnaire import draft_save_many

        expert = f"E{ROUND2_SUBMITTED + 1:02d}"
        round_ = study.rounds.get(status=Round.Status.OPEN)
        panelist = study.panelists.get(external_id=expert)
        draft_save_many(round_=round_, panelist=panelist, answers=demo_draft(bundle, expert))

    def _users(self, study: Study) -> None:
        user_model = get_user_model()
        for (username, password), superuser in ((DEMO_ANALYST, False), (DEMO_ADMIN, True)):
            user, created = user_model.objects.get_or_create(
                username=username, defaults={"is_staff": True, "is_superuser": superuser}
            )
            if created:
                user.set_password(password)
                user.save()
        analyst = user_model.objects.get(username=DEMO_ANALYST[0])
        StudyRole.objects.get_or_create(
            user=analyst, study=study, defaults={"role": StudyRole.Role.ANALYST}
        )

    def _print_welcome(self, study: Study) -> None:
        pending = (
            Invitation.objects.filter(round__study=study, round__status=Round.Status.OPEN)
            .exclude(
                panelist__submissions__round__status=Round.Status.OPEN,
                panelist__submissions__status="submitted",
            )
            .select_related("panelist")
            .order_by("panelist__pseudonym")
            .last()
        )
        site = settings.SITE_URL.rstrip("/")
        self.stdout.write("")
        self.stdout.write(f"  Site:              {site}/")
        self.stdout.write(
            f"  Analyst sign-in:   {DEMO_ANALYST[0]} / {DEMO_ANALYST[1]}  (admin: "
            f"{DEMO_ADMIN[0]} / {DEMO_ADMIN[1]})"
        )
        if pending is not None:
            self.stdout.write(
                f"  Expert link ({pending.panelist.pseudonym}, round 2 pending): "
                f"{site}{invitation_link(invitation=pending)}"
            )
        self.stdout.write(f"  Panel: {PANEL_SIZE} experts; round 1 closed, round 2 open.")
        self.stdout.write("")
