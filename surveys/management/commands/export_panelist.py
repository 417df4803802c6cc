import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from surveys.privacy import panelist_personal_data

from .erase_panelist import panelist_of


class Command(BaseCommand):
    help = "Write everything the platform holds about one panelist to a JSON file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("expert_id", help="the expert's identifier (or pseudonym, E01…)")
        parser.add_argument("-o", "--output", required=True, help="the JSON file to write")

    def handle(
        self, *args: object, slug: str, expert_id: str, output: str, **options: object
    ) -> None:
        data = panelist_personal_data(panelist=panelist_of(slug, expert_id))
        Path(output).write_text(
            json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        self.stdout.write(f"wrote the personal data of {data['panelist']['pseudonym']} to {output}")
