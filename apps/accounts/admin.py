from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from apps.accounts.models import Cohort, Membership, User


@admin.register(User)
class IndexedUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (("Indexed", {"fields": ("role", "lms_user_id", "sis_user_id")}),)
    list_display = ("username", "email", "role", "is_staff", "date_joined")
    list_filter = ("role", "is_staff")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ("name", "instructor", "created_at")
    search_fields = ("name", "instructor__username")
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("cohort", "user", "joined_at")
    raw_id_fields = ("user", "cohort")
