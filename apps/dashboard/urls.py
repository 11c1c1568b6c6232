from django.urls import path

from apps.dashboard import diff_views, lms_views, project_views, version_views, views

app_name = "dashboard"
PROJECT = "cohorts/<int:cohort_id>/learners/<int:user_id>/projects/<slug:key>/"
urlpatterns = [
    path("", views.cohort_list, name="cohorts"),
    path("cohorts/<int:cohort_id>/", views.cohort_detail, name="cohort"),
    path("cohorts/<int:cohort_id>/gradebook/", views.gradebook_page, name="gradebook"),
    path("cohorts/<int:cohort_id>/gradebook/weights/", views.gradebook_weights, name="gradebook_weights"),
    path("cohorts/<int:cohort_id>/gradebook.csv", views.gradebook_csv, name="gradebook_csv"),
    path("cohorts/<int:cohort_id>/gradebook-canvas.csv", views.gradebook_canvas_csv, name="gradebook_canvas"),
    path("cohorts/<int:cohort_id>/settings/", views.cohort_settings, name="settings"),
    path("cohorts/<int:cohort_id>/lms-ids/", lms_views.lms_ids, name="lms_ids"),
    path("cohorts/<int:cohort_id>/labs/<slug:key>/", views.lab_analytics, name="lab"),
    path("cohorts/<int:cohort_id>/labs/<slug:key>/regrade/", views.lab_regrade, name="lab_regrade"),
    path(
        "cohorts/<int:cohort_id>/labs/<slug:key>/regrade/confirm/",
        version_views.regrade_confirm,
        name="lab_regrade_confirm",
    ),
    path("cohorts/<int:cohort_id>/labs/<slug:key>/versions/", version_views.lab_versions, name="lab_versions"),
    path(
        "cohorts/<int:cohort_id>/projects/<slug:key>/versions/",
        version_views.project_versions,
        name="project_versions",
    ),
    path(
        "cohorts/<int:cohort_id>/projects/<slug:key>/versions/regrade/",
        version_views.project_regrade_confirm,
        name="project_regrade_confirm",
    ),
    path("cohorts/<int:cohort_id>/regrades/<int:job_id>/", views.regrade_detail, name="regrade"),
    path("cohorts/<int:cohort_id>/regrades/<int:job_id>/apply/", views.regrade_apply, name="regrade_apply"),
    path("cohorts/<int:cohort_id>/learners/<int:user_id>/", views.learner_detail, name="learner"),
    path(
        "cohorts/<int:cohort_id>/learners/<int:user_id>/labs/<slug:key>/changes/",
        diff_views.learner_answer_compare,
        name="answer_compare",
    ),
    path(
        "cohorts/<int:cohort_id>/learners/<int:user_id>/projects/<slug:key>/",
        views.project_grade,
        name="project_grade",
    ),
    path(f"{PROJECT}rubric/", project_views.project_rubric, name="project_rubric"),
    path(f"{PROJECT}rubric/release/", project_views.project_release, name="project_release"),
    path(f"{PROJECT}rubric/comments/", project_views.project_line_comment, name="project_line_comment"),
    path(f"{PROJECT}extension/", project_views.project_extension, name="project_extension"),
    path(f"{PROJECT}handins/<int:version>.zip", project_views.project_download, name="project_download"),
    path("cohorts/<int:cohort_id>/submissions/<int:submission_id>/", views.submission_review, name="submission"),
    path(
        "cohorts/<int:cohort_id>/submissions/<int:submission_id>/regrade/",
        views.submission_regrade,
        name="submission_regrade",
    ),
]
