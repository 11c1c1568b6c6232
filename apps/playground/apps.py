from django.apps import AppConfig


class PlaygroundConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.playground"

    def ready(self) -> None:
        from apps.playground import signals  # noqa: F401  (worker start: service up, expired sessions reaped)
