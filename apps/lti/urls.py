from django.urls import path

from apps.lti import views

app_name = "lti"

urlpatterns = [
    path("login/", views.oidc_login, name="login"),
    path("launch/", views.launch, name="launch"),
    path("jwks/", views.jwks, name="jwks"),
    path("continue/<str:token>/", views.continue_launch, name="continue"),
    path("deep-link/<str:launch_id>/", views.deep_link, name="deep_link"),
    path("config/", views.tool_config, name="config"),
    path("platforms/new/", views.platform_edit, name="platform_new"),
    path("platforms/<int:platform_id>/", views.platform_edit, name="platform_edit"),
    path("cohorts/<int:cohort_id>/", views.cohort_lms, name="cohort"),
    path("cohorts/<int:cohort_id>/roster/", views.cohort_sync_roster, name="sync_roster"),
    path("cohorts/<int:cohort_id>/roster/status/", views.cohort_roster_status, name="roster_status"),
    path("cohorts/<int:cohort_id>/passbacks/retry/", views.cohort_retry_passbacks, name="retry_passbacks"),
]
