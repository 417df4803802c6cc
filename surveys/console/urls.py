from django.urls import path

from .views import audit, exports, framework, panel, results, rounds, studies

app_name = "console"

S = "studies/<slug:slug>/"

urlpatterns = [
    path("", studies.home, name="home"),
    path("new/", studies.study_new, name="study_new"),
    path("new/bundle/", studies.study_import, name="study_import"),
    path(S, studies.overview, name="overview"),
    path(S + "settings/", studies.study_settings, name="settings"),
    path(S + "settings/team/", studies.role_add, name="role_add"),
    path(S + "settings/team/<int:user_id>/remove/", studies.role_remove, name="role_remove"),
    # Framework
    path(S + "framework/", framework.framework, name="framework"),
    path(S + "framework/add/", framework.node_add, name="node_add"),
    path(S + "framework/template.xlsx", framework.template_download, name="framework_template"),
    path(S + "framework/upload/", framework.framework_upload, name="framework_upload"),
    path(S + "framework/<int:node_id>/", framework.node_edit, name="node_edit"),
    path(S + "framework/<int:node_id>/measures/", framework.node_measures, name="node_measures"),
    path(S + "framework/<int:node_id>/move/", framework.node_move, name="node_move"),
    path(S + "framework/<int:node_id>/delete/", framework.node_delete, name="node_delete"),
    # Panel
    path(S + "panel/", panel.panel, name="panel"),
    path(S + "panel/add/", panel.panelist_add, name="panelist_add"),
    path(S + "panel/import/", panel.panel_import, name="panel_import"),
    path(S + "panel/import/confirm/", panel.panel_import_confirm, name="panel_import_confirm"),
    path(S + "panel/template.<str:fmt>", panel.panel_template, name="panel_template"),
    path(S + "panel/<int:panelist_id>/remove/", panel.panelist_remove, name="panelist_remove"),
    # Rounds
    path(S + "rounds/", rounds.rounds, name="rounds"),
    path(S + "rounds/new/", rounds.round_create, name="round_create"),
    path(S + "rounds/<int:number>/", rounds.round_detail, name="round"),
    path(
        S + "rounds/<int:number>/progress.json", rounds.round_progress_json, name="round_progress"
    ),
    path(S + "rounds/<int:number>/open/", rounds.round_open, name="round_open"),
    path(S + "rounds/<int:number>/close/", rounds.round_close, name="round_close"),
    path(S + "rounds/<int:number>/remind/", rounds.round_remind, name="round_remind"),
    # Results and exports
    path(S + "results/", results.results, name="results"),
    path(S + "results/<int:number>/", results.results_round, name="results_round"),
    path(S + "exports/", exports.exports, name="exports"),
    path(S + "audit/", audit.audit_log, name="audit"),
    path(
        S + "exports/round<int:number>-results.<str:fmt>",
        exports.export_results,
        name="export_results",
    ),
    path(
        S + "exports/round<int:number>-answers.<str:fmt>",
        exports.export_answers,
        name="export_answers",
    ),
    path(S + "exports/bundle.json", exports.export_bundle, name="export_bundle"),
]
