"""factory_boy factories and small builders shared by the tests."""

import copy
import json
import os
from pathlib import Path
from typing import Any

import factory
from django.contrib.auth import get_user_model

from surveys.models import Panelist, Round, Study, StudyRole


def shared_dir() -> Path:
    """The project's shared documents (method, spec, examples): beside the repository."""
    override = os.environ.get("DELPHI_SHARED_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[1].parent / "shared"


def example_bundle() -> dict[str, Any]:
    path = shared_dir() / "examples" / "brain-inspired-beijing.json"
    return json.loads(path.read_text(encoding="utf-8"))


def example_results(number: int) -> dict[str, Any]:
    path = shared_dir() / "examples" / f"brain-inspired-beijing.round{number}.results.json"
    return json.loads(path.read_text(encoding="utf-8"))


def small_bundle(**study_overrides: Any) -> dict[str, Any]:
    """A tiny valid bundle: one layer, two fields, two experts, one open round."""
    bundle: dict[str, Any] = {
        "format": "delphi-bundle/1",
        "study": {
            "slug": "small-study",
            "title": {"en": "Small study", "zh-hans": "小型研究"},
            "region": "Testland",
            "base_year": 2024,
            "horizon": [2024, 2034],
            "settings": {},
        },
        "framework": [
            {
                "code": "T",
                "name": {"en": "Technology", "zh-hans": "技术"},
                "measures": ["familiarity", "importance", "maturity", "regional_advantage"],
                "children": [
                    {"code": "T.1", "name": {"en": "Field one", "zh-hans": "领域一"}},
                    {"code": "T.2", "name": "Field two"},
                ],
            },
            {
                "code": "P",
                "name": "Products",
                "measures": ["familiarity", "importance", "stages"],
                "children": [{"code": "P.1", "name": "Product one"}],
            },
            {"code": "E", "name": "Environment", "measures": ["comment"]},
        ],
        "experts": [
            {"id": "A", "name": "Ada", "email": "ada@example.org", "language": "en"},
            {"id": "B", "name": "Bo", "language": "zh-hans"},
        ],
        "milestones": [{"node": "E", "year": 2026, "label": {"en": "A law", "zh-hans": "法规"}}],
        "rounds": [
            {
                "number": 1,
                "status": "open",
                "responses": [
                    {"expert": "A", "node": "T.1", "measure": "familiarity", "value": 4},
                    {"expert": "A", "node": "T.1", "measure": "importance", "value": 5},
                    {"expert": "A", "node": "T.1", "measure": "maturity", "value": "short"},
                    {"expert": "A", "node": "T.1", "measure": "regional_advantage", "value": "yes"},
                    {"expert": "B", "node": "T.1", "measure": "familiarity", "value": 2},
                    {"expert": "B", "node": "T.1", "measure": "importance", "value": 3},
                    {"expert": "B", "node": "P.1", "measure": "familiarity", "value": 3},
                    {"expert": "B", "node": "P.1", "measure": "stages", "value": ["rd"]},
                    {"expert": "B", "node": "E", "measure": "comment", "value": "Needs rules."},
                ],
            }
        ],
    }
    bundle["study"].update(study_overrides)
    return copy.deepcopy(bundle)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")


class StudyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Study

    slug = factory.Sequence(lambda n: f"study-{n}")
    title = factory.LazyAttribute(lambda o: {"en": f"Study {o.slug}", "zh-hans": f"研究 {o.slug}"})
    region = "Testland"
    base_year = 2024
    horizon_start = 2024
    horizon_end = 2034


class PanelistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Panelist

    study = factory.SubFactory(StudyFactory)
    external_id = factory.Sequence(lambda n: f"X{n:03d}")
    pseudonym = factory.Sequence(lambda n: f"E{n + 1:02d}")
    name = factory.Sequence(lambda n: f"Panelist {n}")
    email = factory.Sequence(lambda n: f"panelist{n}@example.org")
    language = "en"


class RoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Round

    study = factory.SubFactory(StudyFactory)
    number = 1
    status = Round.Status.DRAFT


def grant(user: Any, study: Study, role: str) -> StudyRole:
    return StudyRole.objects.create(user=user, study=study, role=role)
