from django.urls import path

from apps.playground import views

app_name = "playground"
urlpatterns = [
    path("lessons/<slug:key>/playground/", views.lesson_playground, name="lesson"),
    path("labs/<slug:key>/playground/", views.lab_playground, name="lab"),
    path("playground/<str:token>/", views.session_page, name="session"),
    path("playground/<str:token>/run/", views.run, name="run"),
    path("playground/<str:token>/reset/", views.reset, name="reset"),
    path("playground/<str:token>/schema/", views.schema, name="schema"),
]
