from django.contrib import admin

from brands.models import ApiKey, Brand, BrandMembership, Domain


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


class MembershipInline(admin.TabularInline):
    model = BrandMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "schema_name", "is_active", "created_at"]
    search_fields = ["name", "slug"]
    readonly_fields = ["schema_name", "created_at"]
    inlines = [DomainInline, MembershipInline]

    def has_add_permission(self, request):
        return False  # brands are onboarded with `manage.py create_brand` (schema + domain + owner)

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: a deleted brand's schema (its data) is kept on purpose

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "is_active", "slug"] if obj is not None and obj.is_public else fields


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "brand", "key_id", "role", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["brand", "role"]
    readonly_fields = [
        "brand",
        "key_id",
        "digest",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    ]

    def has_add_permission(self, request):
        return False  # keys are issued in the brand portal, where the secret is shown once
