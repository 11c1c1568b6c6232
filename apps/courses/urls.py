from django.urls import path

from apps.courses import views

app_name = "courses"
urlpatterns = [
    path("", views.course_map, name="map"),
    path("lessons/<slug:key>/", views.lesson_detail, name="lesson"),
    path("lessons/<slug:key>/mark/", views.lesson_mark, name="lesson_mark"),
    path("projects/<slug:key>/", views.project_detail, name="project"),
    path("progress/", views.my_progress, name="progress"),
]
