from django.contrib import admin

from apps.grading.models import (
    GradingRun,
    HintReveal,
    LabAttemptLimit,
    LabExtension,
    RegradeMessage,
    RegradeRequest,
    Review,
    Submission,
)


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "lab", "kind", "status", "score", "override_score", "counted", "tries", "created_at")
    list_filter = ("status", "kind", "lab")
    raw_id_fields = ("user",)
    readonly_fields = ("result", "lease_run", "leased_until")


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    """Read-only: reviews are the audit trail of score overrides."""

    list_display = ("submission", "author", "changes_score", "score_before", "score_after", "created_at")

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(GradingRun)
class GradingRunAdmin(admin.ModelAdmin):
    """Read-only: runs are the record of who graded what, when, and with what outcome."""

    list_display = ("id", "submission", "purpose", "outcome", "applied", "worker", "started_at", "finished_at")
    list_filter = ("purpose", "outcome", "applied")
    raw_id_fields = ("submission",)

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(HintReveal)
class HintRevealAdmin(admin.ModelAdmin):
    """Which hints of which exercise a learner chose to see."""

    list_display = ("user", "lab", "step", "revealed_at")
    list_filter = ("lab",)
    raw_id_fields = ("user",)


@admin.register(LabExtension)
class LabExtensionAdmin(admin.ModelAdmin):
    list_display = ("learner", "lab", "cohort", "due_at", "extra_attempts", "granted_by", "updated_at")
    list_filter = ("cohort", "lab")
    raw_id_fields = ("learner", "granted_by")


@admin.register(LabAttemptLimit)
class LabAttemptLimitAdmin(admin.ModelAdmin):
    list_display = ("cohort", "lab", "max_attempts")


class RegradeMessageInline(admin.TabularInline):
    model = RegradeMessage
    extra = 0
    readonly_fields = ("author", "body", "created_at")
    can_delete = False


@admin.register(RegradeRequest)
class RegradeRequestAdmin(admin.ModelAdmin):
    """The thread is the record of what was asked and answered: messages are read-only."""

    list_display = ("id", "learner", "submission", "cohort", "status", "resolution", "updated_at")
    list_filter = ("status", "resolution", "cohort")
    raw_id_fields = ("submission", "learner", "regrade_job")
    inlines = [RegradeMessageInline]
