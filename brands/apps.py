from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class BrandsConfig(AppConfig):
    name = "brands"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from brands.models import ApiKey, Brand, Domain, PublishableKey
        from brands.selectors.api_keys import keys_changed
        from closo.middleware import forget_hosts

        # The middleware's in-process host → brand cache forgets on any change to either.
        for model in (Brand, Domain):
            post_save.connect(forget_hosts, sender=model, dispatch_uid=f"forget_hosts_{model.__name__}_save")
            post_delete.connect(forget_hosts, sender=model, dispatch_uid=f"forget_hosts_{model.__name__}_delete")
        # The authentication's key lookups (brands.selectors.api_keys) read again after any
        # change to a key or a brand (its origins, its status).
        for model in (ApiKey, PublishableKey, Brand):
            post_save.connect(keys_changed, sender=model, dispatch_uid=f"keys_changed_{model.__name__}_save")
            post_delete.connect(keys_changed, sender=model, dispatch_uid=f"keys_changed_{model.__name__}_delete")
