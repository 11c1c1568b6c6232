from django.contrib import admin

from apps.dashboard.models import LabPolicy, ProjectGrade, ProjectPolicy, RegradeChange, RegradeJob


@admin.register(LabPolicy)
class LabPolicyAdmin(admin.ModelAdmin):
    list_display = ("cohort", "lab", "due_at", "feedback")
    list_filter = ("feedback", "cohort")


@admin.register(ProjectPolicy)
class ProjectPolicyAdmin(admin.ModelAdmin):
    list_display = ("cohort", "project", "due_at")


@admin.register(ProjectGrade)
class ProjectGradeAdmin(admin.ModelAdmin):
    list_display = ("cohort", "learner", "project", "score", "handed_in_at", "graded_by")
    raw_id_fields = ("learner",)


class RegradeChangeInline(admin.TabularInline):
    model = RegradeChange
    raw_id_fields = ("submission",)
    extra = 0


@admin.register(RegradeJob)
class RegradeJobAdmin(admin.ModelAdmin):
    list_display = ("id", "cohort", "lab", "status", "total", "created_at", "finished_at")
    inlines = [RegradeChangeInline]
