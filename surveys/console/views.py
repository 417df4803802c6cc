from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..permissions import studies_visible_to


@login_required
def home(request: HttpRequest) -> HttpResponse:
    studies = studies_visible_to(request.user).order_by("slug")
    return render(request, "console/home.html", {"studies": studies})
