from django.urls import path

from . import views

app_name = "roadmaps"

urlpatterns = [
    path("<slug:slug>/", views.study_roadmap, name="study"),
    path("<slug:slug>/round/<int:number>/", views.round_roadmap, name="round"),
    path("<slug:slug>/round/<int:number>/export.html", views.export_html, name="export_html"),
    path("<slug:slug>/round/<int:number>/figure.json", views.figure_json, name="figure_json"),
    path("<slug:slug>/round/<int:number>/table.csv", views.table_csv, name="table_csv"),
    path("<slug:slug>/milestones/", views.milestone_list, name="milestones"),
    path("<slug:slug>/milestones/add/", views.milestone_add, name="milestone_add"),
    path("<slug:slug>/milestones/<int:pk>/edit/", views.milestone_edit, name="milestone_edit"),
    path(
        "<slug:slug>/milestones/<int:pk>/delete/", views.milestone_remove, name="milestone_delete"
    ),
]
