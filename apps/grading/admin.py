from django.contrib import admin

from apps.grading.models import Submission


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "lab", "kind", "status", "score", "counted", "tries", "created_at")
    list_filter = ("status", "kind", "lab")
    raw_id_fields = ("user",)
    readonly_fields = ("result",)
