from django.urls import path

from apps.projects import views

app_name = "projects"
urlpatterns = [
    path("projects/<slug:key>/handin/", views.handin_upload, name="upload"),
    path("projects/<slug:key>/editor/", views.handin_editor, name="editor"),
    path("projects/<slug:key>/handins/<int:version>/", views.handin_detail, name="handin"),
    path("projects/<slug:key>/handins/<int:version>/download/", views.handin_download, name="download"),
]
