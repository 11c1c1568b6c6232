from django.urls import path

from apps.grading import views

app_name = "grading"
urlpatterns = [
    path("labs/<slug:key>/", views.lab_detail, name="lab"),
    path("labs/<slug:key>/submit/", views.lab_submit, name="submit"),
    path("submissions/<int:submission_id>/", views.submission_detail, name="submission"),
]
