from django.urls import path

from apps.grading import diff_views, request_views, views

app_name = "grading"
urlpatterns = [
    path("labs/", views.practice_index, name="index"),
    path("labs/<slug:key>/", views.lab_detail, name="lab"),
    path("labs/<slug:key>/hints/", views.hint_reveal, name="hint"),
    path("labs/<slug:key>/submit/", views.lab_submit, name="submit"),
    path("labs/<slug:key>/plans/", views.plan_compare, name="plan_compare"),
    path("labs/<slug:key>/changes/", diff_views.answer_compare, name="answer_compare"),
    path("submissions/<int:submission_id>/", views.submission_detail, name="submission"),
    path("submissions/<int:submission_id>/ask/", request_views.ask_about_verdict, name="ask"),
    path("requests/<int:request_id>/", request_views.request_thread, name="request"),
    # Instructor pages under /teach/ like the dashboard's (its include falls through to these).
    path("teach/cohorts/<int:cohort_id>/requests/", request_views.cohort_requests, name="teach_requests"),
    path(
        "teach/cohorts/<int:cohort_id>/requests/<int:request_id>/",
        request_views.instructor_thread,
        name="teach_request",
    ),
    path(
        "teach/cohorts/<int:cohort_id>/labs/<slug:key>/extensions/",
        request_views.lab_extensions_page,
        name="teach_extensions",
    ),
]
