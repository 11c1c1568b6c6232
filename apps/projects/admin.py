from django.contrib import admin

from apps.projects.models import Assessment, CriterionOverride, Handin, HandinRun, ProjectExtension


@admin.register(Handin)
class HandinAdmin(admin.ModelAdmin):
    list_display = ("learner", "project", "version", "status", "auto_points", "created_at")
    list_filter = ("status", "project")
    raw_id_fields = ("learner",)
    # Files and results are the learner's record: read them here, change them never.
    readonly_fields = ("result", "lease_run", "leased_until", "tries", "queued_at", "started_at", "finished_at")


@admin.register(HandinRun)
class HandinRunAdmin(admin.ModelAdmin):
    list_display = ("handin", "worker", "started_at", "finished_at", "outcome")
    list_filter = ("outcome",)


@admin.register(ProjectExtension)
class ProjectExtensionAdmin(admin.ModelAdmin):
    list_display = ("cohort", "learner", "project", "due_at", "granted_by")
    raw_id_fields = ("learner",)


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ("cohort", "learner", "project", "handin", "graded_by", "released_at")
    raw_id_fields = ("learner",)


@admin.register(CriterionOverride)
class CriterionOverrideAdmin(admin.ModelAdmin):
    list_display = ("assessment", "criterion", "author", "points_before", "points_after", "created_at")

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # the audit trail is append-only

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
