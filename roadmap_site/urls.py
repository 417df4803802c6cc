from django.contrib import admin
from django.urls import include, path

from .health import healthz
from .views import home

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("q/", include("surveys.expert.urls")),
    path("console/", include("surveys.console.urls")),
    path("roadmap/", include("roadmaps.urls")),
    path("api/", include("surveys.api.urls")),
]
