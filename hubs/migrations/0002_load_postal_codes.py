from django.db import migrations


def load(apps, schema_editor):
    from hubs.postal import load_postal_codes

    load_postal_codes(using_connection=schema_editor.connection)


def unload(apps, schema_editor):
    apps.get_model("hubs", "PostalCode").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("hubs", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
