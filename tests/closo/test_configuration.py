import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command, get_commands, load_command_class

ROOT = Path(__file__).resolve().parents[2]
PROJECT_COMMANDS = ["create_brand", "load_demo", "load_postal_codes", "db", "serve", "migrate", "migrate_schemas"]


def run_manage(*args, env_overrides: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_production_settings():
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@/{db['NAME']}?host={db['HOST']}&port={db['PORT']}"
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_overrides={
            "DEBUG": "0",
            "SECRET_KEY": "k3y-" + "x9Qz" * 16,
            "BASE_DOMAIN": "closo.example",
            "DATABASE_URL": url,
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", env_overrides={"DEBUG": "0", "DATABASE_URL": "postgres://x@localhost/x"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_production_refuses_to_fall_back_to_the_embedded_database():
    result = run_manage("check", env_overrides={"DEBUG": "0", "SECRET_KEY": "x" * 60, "DATABASE_URL": ""})
    assert result.returncode != 0
    assert "DATABASE_URL must be set when DEBUG is off" in result.stderr


def test_unknown_task_broker_is_refused():
    result = run_manage("check", env_overrides={"Q_BROKER": "rabbit://nope"})
    assert result.returncode != 0
    assert "Q_BROKER must be 'orm' or a redis:// URL" in result.stderr


def test_redis_broker_from_the_environment():
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.Q_CLUSTER)",
        env_overrides={"Q_BROKER": "redis://127.0.0.1:6379/3"},
    )
    assert "'redis': 'redis://127.0.0.1:6379/3'" in result.stdout
    assert "'orm'" not in result.stdout


def test_task_queue_name_from_the_environment_keeps_deployments_sharing_a_redis_apart():
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.Q_CLUSTER['name'])",
        env_overrides={"Q_BROKER": "redis://127.0.0.1:6379/3", "Q_CLUSTER_NAME": "closo-staging"},
    )
    assert result.stdout.splitlines()[-1] == "closo-staging", result.stdout + result.stderr


def test_task_queue_uses_the_orm_broker_explicitly_by_default():
    assert settings.Q_CLUSTER["orm"] == "default"
    assert "redis" not in settings.Q_CLUSTER


def test_files_go_through_storages_not_the_removed_setting():
    assert "default" in settings.STORAGES
    assert not hasattr(settings, "DEFAULT_FILE_STORAGE") or settings.DEFAULT_FILE_STORAGE is None


def test_shared_and_tenant_apps_are_split_as_designed():
    assert {"brands", "hubs", "closo", "django_q"} <= set(settings.SHARED_APPS)
    assert {"inspections", "fulfillment"} <= set(settings.TENANT_APPS)
    assert "django_q" not in settings.TENANT_APPS
    assert not {"brands", "hubs"} & set(settings.TENANT_APPS)


def test_project_migrate_command_takes_precedence():
    assert get_commands()["migrate"] == "closo"
    assert get_commands()["migrate_schemas"] == "closo"


@pytest.mark.parametrize("name", PROJECT_COMMANDS)
def test_every_management_command_explains_itself(name):
    command = load_command_class(get_commands()[name], name)
    help_text = command.create_parser("manage.py", name).format_help()
    assert len(command.help) > 40
    assert "usage: manage.py " + name in help_text


def test_load_demo_is_idempotent(db, capsys):
    from brands.models import Brand
    from hubs.models import Hub

    call_command("load_demo")
    counts = (Brand.objects.count(), Hub.objects.count())
    call_command("load_demo")
    assert (Brand.objects.count(), Hub.objects.count()) == counts
    assert Hub.objects.filter(status="active", city="Austin").count() >= 3
    assert Hub.objects.filter(status="applied").exists()
    from django_tenants.utils import schema_context

    from fulfillment.models import Backorder, InboundSupply, RegionLimit, ReturnItem
    from inspections.models import StandardVersion

    with schema_context(Brand.objects.get(slug="northwind").schema_name):
        version = StandardVersion.objects.get(status="published")
        assert (version.checklist.count(), version.photos.filter(required=True).count()) == (8, 3)
        assert RegionLimit.objects.count() == 1
        assert (Backorder.objects.count(), ReturnItem.objects.count(), InboundSupply.objects.count()) == (6, 3, 3)
        assert ReturnItem.objects.filter(route="hub", status="routed").count() == 2
    from portals.management.commands.load_demo import demo_dropoff_codes

    codes = demo_dropoff_codes()
    assert [rma for rma, _ in codes] == ["RMA-2001", "RMA-2002"]
    assert all(len(code) == 9 and code[4] == "-" for _, code in codes)


def test_demo_api_key_works_as_printed(db, host_client):
    from portals.management.commands.load_demo import DEMO_API_KEY

    call_command("load_demo")
    response = host_client("northwind.localhost").get("/api/v1/skus/", HTTP_AUTHORIZATION=f"Api-Key {DEMO_API_KEY}")
    assert response.status_code == 200
    assert response.json()["count"] == 4


def test_load_postal_codes_command_reloads_all_zips(db, capsys):
    call_command("load_postal_codes")
    assert "Loaded 4" in capsys.readouterr().out


def test_the_cache_is_a_database_table_unless_redis_is_configured():
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    show = "from django.conf import settings; c = settings.CACHES['default']; print(c['BACKEND'], c['LOCATION'])"
    redis = "closo.cache.RedisCache"
    result = run_manage("shell", "-c", show, env_overrides={"REDIS_URL": "redis://127.0.0.1:6379/4"})
    assert result.stdout.split()[-2:] == [redis, "redis://127.0.0.1:6379/4"], result.stderr
    result = run_manage("shell", "-c", show, env_overrides={"Q_BROKER": "redis://127.0.0.1:6379/3"})
    assert result.stdout.split()[-2:] == [redis, "redis://127.0.0.1:6379/3"], result.stderr


def test_migrate_creates_the_cache_table(db):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE public.closo_cache")
    call_command("migrate_schemas", shared=True, verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('public.closo_cache') IS NOT NULL")
        assert cursor.fetchone()[0]
