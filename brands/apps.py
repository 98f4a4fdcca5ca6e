from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class BrandsConfig(AppConfig):
    name = "brands"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from brands.models import Brand, Domain
        from closo.middleware import forget_hosts

        # The middleware's in-process host → brand cache forgets on any change to either.
        for model in (Brand, Domain):
            post_save.connect(forget_hosts, sender=model, dispatch_uid=f"forget_hosts_{model.__name__}_save")
            post_delete.connect(forget_hosts, sender=model, dispatch_uid=f"forget_hosts_{model.__name__}_delete")
