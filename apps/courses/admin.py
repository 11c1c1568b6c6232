from django.contrib import admin

from apps.courses.models import ContentVersion, Lab, Lesson, LessonCompletion, Module, Outcome, Phase, Project, Week


@admin.register(Outcome)
class OutcomeAdmin(admin.ModelAdmin):
    list_display = ("key", "title", "order")


@admin.register(Phase)
class PhaseAdmin(admin.ModelAdmin):
    list_display = ("number", "title")


@admin.register(Week)
class WeekAdmin(admin.ModelAdmin):
    list_display = ("number", "title", "phase")


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin):
    list_display = ("key", "title", "skill", "retired")


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    list_display = ("key", "title", "module", "week", "order", "word_count", "retired")
    list_filter = ("module", "week", "retired")
    search_fields = ("key", "title")


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("key", "title", "week", "hours", "retired")


@admin.register(Lab)
class LabAdmin(admin.ModelAdmin):
    list_display = ("key", "title", "kind", "engine", "topology", "lesson", "retired")
    list_filter = ("kind", "engine", "retired")


@admin.register(LessonCompletion)
class LessonCompletionAdmin(admin.ModelAdmin):
    list_display = ("user", "lesson", "completed_at")
    raw_id_fields = ("user", "lesson")


@admin.register(ContentVersion)
class ContentVersionAdmin(admin.ModelAdmin):
    """Read-only: versions are history written by sync_curriculum."""

    list_display = ("key", "kind", "hash", "synced_at")
    list_filter = ("kind",)
    search_fields = ("key", "hash")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
