from django.contrib import admin

from apps.grading.models import Review, Submission


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "lab", "kind", "status", "score", "override_score", "counted", "tries", "created_at")
    list_filter = ("status", "kind", "lab")
    raw_id_fields = ("user",)
    readonly_fields = ("result",)


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    """Read-only: reviews are the audit trail of score overrides."""

    list_display = ("submission", "author", "changes_score", "score_before", "score_after", "created_at")

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
