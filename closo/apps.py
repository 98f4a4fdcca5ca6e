from django.apps import AppConfig


class ClosoConfig(AppConfig):
    name = "closo"
    verbose_name = "Closo accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.urls import register_converter

        from closo.inputs import IdConverter

        register_converter(IdConverter, "id")
