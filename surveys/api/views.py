"""The REST API: parse, check the caller's role, call one service, answer (design.md: thin views).

The writes are the console's services (surveys.console.services), so the API and the pages
refuse the same things; their refusals (`ConsoleError`) answer 409, after the input itself has
been checked here (400).
"""

from collections.abc import Callable
from functools import cached_property
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.http import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from drf_spectacular.views import SpectacularAPIView
from rest_framework import mixins, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import APIRootView
from rest_framework.viewsets import GenericViewSet

from scoring.models import ResultSnapshot
from scoring.selectors import snapshot_document

from ..bundles.validate import SLUG_RE
from ..console.selectors import identities_visible
from ..console.services import (
    ConsoleError,
    PanelistData,
    StudyData,
    panelist_add,
    round_create,
    round_finish,
    round_start,
    study_create,
    study_update,
)
from ..framework import framework_load
from ..models import Answer, Node, Panelist, Round, Study, StudyRole, Submission
from ..permissions import role_of, studies_visible_to
from .authentication import ThrottledTokenAuthentication
from .errors import Conflict, api_exception_handler
from .filters import AnswerFilter, NodeFilter, PanelistFilter, RoundFilter
from .permissions import StudyPermission, StudyRolePermission
from .renderers import CSVRenderer, answers_csv
from .schema import ApiSchema
from .serializers import (
    UNSTORABLE,
    AnswerSerializer,
    NodeSerializer,
    PanelistCreateSerializer,
    PanelistSerializer,
    ResultsDocumentSerializer,
    RoundSerializer,
    StudySerializer,
)

ROUND_NUMBER_MAX = 32767  # Round.number is a small integer

STUDY_SLUG = OpenApiParameter(
    "study_slug", OpenApiTypes.STR, OpenApiParameter.PATH, description="The study's slug."
)
ROUND_NUMBER = OpenApiParameter(
    "round_number", OpenApiTypes.INT, OpenApiParameter.PATH, description="The round's number."
)
ROUND_LOOKUP = OpenApiParameter(
    "number", OpenApiTypes.INT, OpenApiParameter.PATH, description="The round's number."
)


class ApiViewMixin:
    """What every API view shares: authentication, JSON input, error shape, documented errors."""

    # Token first: an anonymous caller is told to authenticate (401 with WWW-Authenticate), not
    # just refused (403). Expert questionnaire links are neither, so they open nothing here.
    authentication_classes = [ThrottledTokenAuthentication, SessionAuthentication]
    parser_classes = [JSONParser]
    schema: ApiSchema | None = ApiSchema()

    def get_exception_handler(self):  # type: ignore[no-untyped-def]
        return api_exception_handler

    def get_object(self):  # type: ignore[no-untyped-def]
        value = self.kwargs[self.lookup_url_kwarg or self.lookup_field]  # type: ignore[attr-defined]
        if UNSTORABLE.search(value):  # PostgreSQL cannot even compare it: it matches nothing
            raise NotFound("No such object.")
        return super().get_object()  # type: ignore[misc]


class StudyScopedMixin(ApiViewMixin):
    """Views below /studies/{slug}/: the study is looked up among those the caller may see."""

    permission_classes = [IsAuthenticated, StudyRolePermission]
    kwargs: dict[str, Any]
    request: Request

    @cached_property
    def study(self) -> Study:
        slug = self.kwargs["study_slug"]
        study = (
            studies_visible_to(self.request.user).filter(slug=slug).first()
            if SLUG_RE.fullmatch(slug)
            else None
        )
        if study is None:  # the same answer whether it does not exist or is not visible
            raise NotFound(f"No study {slug!r}.")
        return study

    @cached_property
    def role(self) -> str | None:
        return role_of(self.request.user, self.study)

    @property
    def fake(self) -> bool:
        """True while drf-spectacular inspects the view (no request, no study)."""
        return getattr(self, "swagger_fake_view", False)


def _round_number(value: str) -> int:
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= ROUND_NUMBER_MAX:
        raise NotFound(f"No round {value!r}.")
    return int(value)


def _study_data(data: dict[str, Any]) -> StudyData:
    return StudyData(
        title=data["title"],
        region=data["region"] or "",
        base_year=data["base_year"],
        horizon_start=data["horizon"][0],
        horizon_end=data["horizon"][1],
        settings=data["settings"],
    )


class SchemaView(SpectacularAPIView):
    """The OpenAPI 3 schema of the API (public: it describes, it reveals no data)."""

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class ApiRootView(ApiViewMixin, APIRootView):
    """The API's entry point: links to the collections."""

    schema = None  # a directory, not an operation


# ---------------------------------------------------------------------------------------------
# Studies
# ---------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="The studies you have a role on (all, for administrators)"),
    retrieve=extend_schema(summary="One study"),
    create=extend_schema(summary="Create a study (administrators)"),
    partial_update=extend_schema(
        summary="Change a study (its analysts and administrators)",
        description="Changing the settings or the base year recomputes the rounds' results. "
        "Only administrators may change show_identities.",
    ),
)
@extend_schema(tags=["studies"])
class StudyViewSet(
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    GenericViewSet,
):
    """Studies: their titles, region, base year, horizon and method settings."""

    serializer_class = StudySerializer
    lookup_field = "slug"
    lookup_value_regex = "[^/]+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    permission_classes = [IsAuthenticated, StudyPermission]

    def get_queryset(self) -> QuerySet[Study]:
        if getattr(self, "swagger_fake_view", False):
            return Study.objects.none()
        user = self.request.user
        return (
            studies_visible_to(user)
            .annotate(
                my_role=Subquery(
                    StudyRole.objects.filter(study=OuterRef("pk"), user_id=user.pk).values("role")[
                        :1
                    ]
                ),
                open_round=Subquery(
                    Round.objects.filter(study=OuterRef("pk"), status=Round.Status.OPEN).values(
                        "number"
                    )[:1]
                ),
            )
            .order_by("slug")
        )

    def _answer(self, study: Study, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=study.pk)
        return Response(self.get_serializer(fresh).data, status=status_code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            with transaction.atomic():
                study = study_create(slug=data["slug"], data=_study_data(data), user=request.user)
                if data.get("show_identities"):
                    study = study_update(
                        study=study,
                        data=_study_data(data),
                        version=study.updated_at,
                        show_identities=True,
                    )
        except ConsoleError as exc:
            raise Conflict(str(exc)) from exc
        return self._answer(study, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        study = self.get_object()
        serializer = self.get_serializer(study, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            study = study_update(
                study=study,
                data=_study_data(data),
                # The version read by this request: a save made meanwhile by someone else wins
                # over this one instead of being overwritten silently.
                version=study.updated_at,
                show_identities=data.get("show_identities"),
            )
        except ConsoleError as exc:
            raise Conflict(str(exc)) from exc
        return self._answer(study)


# ---------------------------------------------------------------------------------------------
# The framework tree
# ---------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="The study's framework nodes, in tree order"),
    retrieve=extend_schema(summary="One framework node, by code"),
)
@extend_schema(tags=["framework"], parameters=[STUDY_SLUG])
class NodeViewSet(
    StudyScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, GenericViewSet
):
    """The framework tree: layers, factors and fields; questions are asked at the leaves."""

    serializer_class = NodeSerializer
    filterset_class = NodeFilter
    lookup_field = "code"
    lookup_value_regex = "[^/]+"  # codes contain dots (T.BR.1)

    def get_queryset(self) -> QuerySet[Node]:
        if self.fake:
            return Node.objects.none()
        return Node.objects.filter(study=self.study).order_by("position", "pk")

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not self.fake:
            # The whole tree in one query: a node's questions are inherited from its ancestors.
            framework = framework_load(study=self.study)
            context["leaves"] = framework.leaves
            context["codes"] = {node.pk: node.code for node in framework.nodes}
        return context


# ---------------------------------------------------------------------------------------------
# The panel
# ---------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="The study's panelists",
        description="Pseudonyms always; identifier, name, e-mail and affiliation only to "
        "administrators, and to analysts of a study that shows identities.",
    ),
    retrieve=extend_schema(summary="One panelist, by pseudonym"),
    create=extend_schema(
        summary="Add a panelist (analysts)",
        description="The platform gives the pseudonym. Someone added while a round is open is "
        "invited to it at once. A duplicate (same e-mail, or same name without e-mail) is 409.",
        request=PanelistCreateSerializer,
        responses={201: PanelistSerializer},
    ),
)
@extend_schema(tags=["panel"], parameters=[STUDY_SLUG])
class PanelistViewSet(
    StudyScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    GenericViewSet,
):
    """The panel of experts, known to analysts by pseudonym (E01, E02, …)."""

    serializer_class = PanelistSerializer
    filterset_class = PanelistFilter
    lookup_field = "pseudonym"
    lookup_value_regex = "[^/]+"

    def get_queryset(self) -> QuerySet[Panelist]:
        if self.fake:
            return Panelist.objects.none()
        return Panelist.objects.filter(study=self.study).order_by("pseudonym")

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not self.fake:
            context["identities"] = identities_visible(role=self.role, study=self.study)
        return context

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = PanelistCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        person = PanelistData(
            name=data["name"],
            email=data.get("email") or None,
            affiliation=data.get("affiliation") or None,
            language=data.get("language") or None,
        )
        try:
            panelist = panelist_add(study=self.study, person=person)
        except ConsoleError as exc:
            raise Conflict(str(exc)) from exc
        return Response(self.get_serializer(panelist).data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------------------------------------
# Rounds, their results and their answers
# ---------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="The study's rounds"),
    retrieve=extend_schema(summary="One round, by number", parameters=[ROUND_LOOKUP]),
    create=extend_schema(
        summary="Create the next round, as a draft (analysts)",
        description="409 while a draft round exists.",
        request=None,
        responses={201: RoundSerializer},
    ),
)
@extend_schema(tags=["rounds"], parameters=[STUDY_SLUG])
class RoundViewSet(
    StudyScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    GenericViewSet,
):
    """Delphi rounds: draft, then open (experts answer), then closed."""

    serializer_class = RoundSerializer
    filterset_class = RoundFilter
    lookup_field = "number"
    lookup_value_regex = "[^/]+"

    def get_queryset(self) -> QuerySet[Round]:
        if self.fake:
            return Round.objects.none()
        return (
            Round.objects.filter(study=self.study)
            .annotate(
                invited=Count("invitations", distinct=True),
                submitted=Count(
                    "submissions",
                    filter=Q(submissions__status=Submission.Status.SUBMITTED),
                    distinct=True,
                ),
                has_results=Exists(ResultSnapshot.objects.filter(round=OuterRef("pk"))),
            )
            .order_by("number")
        )

    def get_object(self) -> Round:  # type: ignore[override]
        number = _round_number(self.kwargs["number"])
        round_ = self.get_queryset().filter(number=number).first()
        if round_ is None:
            raise NotFound(f"No round {number} in this study.")
        return round_

    def _answer(self, round_: Round, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=round_.pk)
        return Response(self.get_serializer(fresh).data, status=status_code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            round_ = round_create(study=self.study)
        except ConsoleError as exc:
            raise Conflict(str(exc)) from exc
        return self._answer(round_, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Open a draft round (analysts)",
        parameters=[ROUND_LOOKUP],
        description="Invites the whole panel and queues the invitation e-mails. 409 unless the "
        "round is a draft, no other round is open, and the study has questions and panelists.",
        request=None,
        responses={200: RoundSerializer},
    )
    @action(detail=True, methods=["post"])
    def open(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._change(round_start)

    @extend_schema(
        summary="Close an open round (analysts)",
        parameters=[ROUND_LOOKUP],
        description="Later answers are refused and the results are recomputed. 409 unless the "
        "round is open.",
        request=None,
        responses={200: RoundSerializer},
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._change(round_finish)

    def _change(self, change: Callable[..., Round]) -> Response:
        """Open or close the round; a refusal (a race with a colleague too) is a conflict."""
        round_ = self.get_object()
        try:
            change(round_=round_)
        except ConsoleError as exc:  # round_start and round_finish turn races into these
            raise Conflict(str(exc)) from exc
        return self._answer(round_)

    @extend_schema(
        summary="The round's results (a delphi-results/1 document)",
        parameters=[ROUND_LOOKUP],
        description="As last computed from the submitted answers; 404 until a first computation.",
        responses={200: ResultsDocumentSerializer},
    )
    @action(detail=True, methods=["get"])
    def results(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        round_ = self.get_object()
        document = snapshot_document(round_=round_)
        if document is None:
            raise NotFound(f"No results have been computed for round {round_.number} yet.")
        return Response(document)


@extend_schema_view(
    list=extend_schema(
        summary="The round's submitted answers",
        description="Pseudonymous: experts by pseudonym only; drafts are not included. "
        "`?format=csv` answers the whole (filtered) export as one CSV file instead of pages.",
        parameters=[
            OpenApiParameter(
                "format",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                enum=["json", "csv"],
                description="csv: the whole export as one CSV file, not paginated.",
            )
        ],
        responses={
            (200, "application/json"): AnswerSerializer(many=True),
            (200, "text/csv"): OpenApiResponse(
                response=OpenApiTypes.STR,
                description="With ?format=csv: expert, node, measure, value, reason, "
                "submitted_at; lists (stages) as JSON.",
            ),
        },
    ),
)
@extend_schema(tags=["answers"], parameters=[STUDY_SLUG, ROUND_NUMBER])
class AnswerViewSet(StudyScopedMixin, mixins.ListModelMixin, GenericViewSet):
    """The raw submitted answers of a round, for analysis elsewhere."""

    serializer_class = AnswerSerializer
    filterset_class = AnswerFilter
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer]

    @cached_property
    def round(self) -> Round:
        number = _round_number(self.kwargs["round_number"])
        round_ = Round.objects.filter(study=self.study, number=number).first()
        if round_ is None:
            raise NotFound(f"No round {number} in this study.")
        return round_

    def get_queryset(self) -> QuerySet[Answer]:
        if self.fake:
            return Answer.objects.none()
        return (
            Answer.objects.filter(
                submission__round=self.round,
                submission__status=Submission.Status.SUBMITTED,
                draft=False,
            )
            .select_related("submission__panelist", "node")
            # Only the exported columns: a submission row also holds its packed answers.
            .only(
                "measure",
                "value",
                "reason",
                "node__code",
                "submission__submitted_at",
                "submission__panelist__pseudonym",
            )
            .order_by("submission__panelist__pseudonym", "node__position", "measure")
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.accepted_renderer.format == "csv":
            rows = (
                self.filter_queryset(self.get_queryset())
                .values_list(
                    "submission__panelist__pseudonym",
                    "node__code",
                    "measure",
                    "value",
                    "reason",
                    "submission__submitted_at",
                )
                .iterator(chunk_size=5000)
            )
            return answers_csv(rows, f"{self.study.slug}-round{self.round.number}-answers.csv")
        return super().list(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):  # type: ignore[no-untyped-def]
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response) and response.status_code >= 400:
            # Errors are JSON whatever format was asked for, as the schema documents.
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSONRenderer.media_type
        return response
