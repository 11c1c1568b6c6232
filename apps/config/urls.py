from django.contrib import admin
from django.urls import include, path

from apps.config.health import healthz
from apps.config.metrics import metrics

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("accounts/", include("apps.accounts.urls")),
    path("teach/", include("apps.dashboard.urls")),
    path("staff/", include("apps.ops.urls")),
    path("", include("apps.projects.urls")),
    path("", include("apps.playground.urls")),
    path("", include("apps.grading.urls")),
    path("", include("apps.courses.urls")),
]

# A lab answer too large to be read gets its reason on the lab page, not a bare 400.
handler400 = "apps.grading.views.bad_request"
