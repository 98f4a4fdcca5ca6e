from django.apps import AppConfig


class ClosoConfig(AppConfig):
    name = "closo"
    verbose_name = "Closo accounts"
    default_auto_field = "django.db.models.BigAutoField"
