from django.apps import AppConfig


class GradingConfig(AppConfig):
    name = "apps.grading"
    label = "grading"

    def ready(self) -> None:
        from apps.grading import signals  # noqa: F401 - connects the worker signal handlers
