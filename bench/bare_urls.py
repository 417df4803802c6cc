"""The site's URLs plus `/bench/bare/`, the baseline every server-time figure is divided by."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def bare(request: HttpRequest) -> HttpResponse:
    """The least a Django view can do: the same middleware, no query, two bytes."""
    return HttpResponse("ok")


urlpatterns = [
    path("bench/bare/", bare),
    path("", include("roadmap_site.urls")),
]
