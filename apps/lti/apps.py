from django.apps import AppConfig


class LtiConfig(AppConfig):
    name = "apps.lti"
    label = "lti"
    verbose_name = "LTI 1.3"

    def ready(self) -> None:
        from apps.lti import hooks  # noqa: F401 - connects the grade passback receivers
