from django.contrib import admin, messages

from closo.actors import Actor, Party
from closo.exceptions import DomainError
from hubs.models import Hub, HubEvent, HubMember, HubStatus, PostalCode
from hubs.services import registry as services


class HubMemberInline(admin.TabularInline):
    model = HubMember
    extra = 0
    autocomplete_fields = ["user"]


class HubEventInline(admin.TabularInline):
    model = HubEvent
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "kind", "actor", "from_status", "to_status", "detail"]

    def has_add_permission(self, request, obj=None):
        return False


def _status_action(status: str, label: str):
    def action(modeladmin, request, queryset):
        actor = Actor.for_user(request.user, party=Party.STAFF)
        for hub in queryset:
            try:
                services.hub_set_status(hub=hub, status=status, actor=actor, reason="Changed in admin")
                modeladmin.message_user(request, f"{hub}: {label.lower()}.")
            except DomainError as exc:
                modeladmin.message_user(request, f"{hub}: {exc.message}", level=messages.ERROR)

    action.__name__ = f"make_{status}"
    action.short_description = label
    return action


@admin.register(Hub)
class HubAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "city", "zip_code", "status", "daily_capacity", "service_radius_miles"]
    list_filter = ["status", "kind", "state"]
    search_fields = ["name", "city", "zip_code", "contact_email"]
    readonly_fields = [
        "status",
        "status_changed_at",
        "id_verified_at",
        "id_verified_by",
        "agreement_signed_at",
        "agreement_signed_by",
        "training_completed_at",
        "training_completed_by",
        "created_at",
    ]
    inlines = [HubMemberInline, HubEventInline]
    actions = [
        _status_action(HubStatus.VETTED, "Mark vetted"),
        _status_action(HubStatus.ACTIVE, "Activate"),
        _status_action(HubStatus.SUSPENDED, "Suspend"),
    ]


@admin.register(PostalCode)
class PostalCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "city", "state", "lat", "lon"]
    search_fields = ["code", "city"]

    def has_change_permission(self, request, obj=None):
        return False
