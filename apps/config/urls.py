from django.contrib import admin
from django.http import HttpRequest, HttpResponseRedirect
from django.templatetags.static import static
from django.urls import include, path

from apps.config.health import healthz
from apps.config.metrics import metrics


def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Browsers ask for /favicon.ico on their own (bookmarks, tabs opened from elsewhere); the
    pages link the SVG. Resolved per request: the hashed name exists only after collectstatic."""
    return HttpResponseRedirect(static("favicon.ico"))


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("accounts/", include("apps.accounts.urls")),
    path("teach/", include("apps.dashboard.urls")),
    path("staff/", include("apps.ops.urls")),
    path("lti/", include("apps.lti.urls")),
    path("", include("apps.projects.urls")),
    path("", include("apps.playground.urls")),
    path("", include("apps.grading.urls")),
    path("", include("apps.courses.urls")),
]

# A lab answer too large to be read gets its reason on the lab page, not a bare 400.
handler400 = "apps.grading.views.bad_request"
