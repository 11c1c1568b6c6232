from django.urls import path

from apps.grading import diff_views, views

app_name = "grading"
urlpatterns = [
    path("labs/", views.practice_index, name="index"),
    path("labs/<slug:key>/", views.lab_detail, name="lab"),
    path("labs/<slug:key>/hints/", views.hint_reveal, name="hint"),
    path("labs/<slug:key>/submit/", views.lab_submit, name="submit"),
    path("labs/<slug:key>/plans/", views.plan_compare, name="plan_compare"),
    path("labs/<slug:key>/changes/", diff_views.answer_compare, name="answer_compare"),
    path("submissions/<int:submission_id>/", views.submission_detail, name="submission"),
]
