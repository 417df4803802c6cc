from django.urls import path

from . import views

app_name = "expert"

urlpatterns = [
    path("<str:token>/", views.questionnaire, name="questionnaire"),
    path("<str:token>/answer", views.answer, name="answer"),
    path("<str:token>/save", views.save, name="save"),
    path("<str:token>/submit", views.submit, name="submit"),
]
