"""/api/: the REST API (v1), its OpenAPI schema and the Swagger UI (served from static/)."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from . import views
from .errors import api_not_found

app_name = "api"

STUDY = r"studies/(?P<study_slug>[^/]+)"


class Router(DefaultRouter):
    APIRootView = views.ApiRootView
    # No format suffixes (`.json`): node codes contain dots; `?format=` chooses the format.
    include_format_suffixes = False


router = Router()
router.register("studies", views.StudyViewSet, basename="study")
router.register(f"{STUDY}/nodes", views.NodeViewSet, basename="node")
router.register(f"{STUDY}/panelists", views.PanelistViewSet, basename="panelist")
router.register(f"{STUDY}/rounds", views.RoundViewSet, basename="round")
router.register(
    rf"{STUDY}/rounds/(?P<round_number>[^/]+)/answers", views.AnswerViewSet, basename="answer"
)

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", views.SchemaView.as_view(), name="schema"),
    # The split view loads its start-up script from a URL, not inline (content security policy).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    re_path(r"^.*$", api_not_found),
]
