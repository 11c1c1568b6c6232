from django.contrib import admin

from apps.lti.models import LtiContext, LtiIdentity, Passback, Platform, ResourceLink


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    list_display = ("name", "issuer", "client_id", "is_active", "created_at")


@admin.register(LtiIdentity)
class LtiIdentityAdmin(admin.ModelAdmin):
    list_display = ("user", "issuer", "sub", "created_at")
    search_fields = ("sub", "user__username", "user__email")


@admin.register(LtiContext)
class LtiContextAdmin(admin.ModelAdmin):
    list_display = ("title", "platform", "deployment_id", "context_id", "cohort", "roster_synced_at")


@admin.register(ResourceLink)
class ResourceLinkAdmin(admin.ModelAdmin):
    list_display = ("resource_link_id", "title", "context", "lab", "project", "lineitem_url")


@admin.register(Passback)
class PassbackAdmin(admin.ModelAdmin):
    list_display = ("user", "link", "score", "status", "attempts", "updated_at", "sent_at")
    list_filter = ("status",)
