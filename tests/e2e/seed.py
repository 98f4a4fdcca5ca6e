"""Seed a production-shaped deployment for the end-to-end test, through the real services:
a brand with an API key and a published standard, an active hub with an inspector.

Run as `python -m tests.e2e.seed` with the deployment's environment (DEBUG=0 …), after
`migrate`; prints what the test needs as one JSON line. Not a management command: nothing
here belongs in a real deployment."""

from __future__ import annotations

import json
import os


def main() -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "closo.settings")
    django.setup()

    from django_tenants.utils import schema_context

    from brands.services import api_keys as api_key_services
    from brands.services import brands as brand_services
    from closo.actors import Actor, Party
    from closo.models import User
    from hubs.models import HubKind, HubRole, HubStatus
    from hubs.services import registry as hub_services
    from inspections.models import Grade
    from inspections.services import standard_rows as row_services
    from inspections.services import standards as standard_services

    password = os.environ["E2E_PASSWORD"]
    brand_services.public_tenant_ensure()
    staff = Actor.for_user(
        User.objects.create_user("staff@e2e.test", password, is_staff=True, full_name="Sam Staff"), party=Party.STAFF
    )
    brand = brand_services.brand_create(
        name="Acme Apparel", slug="acme", admin_email="owner@acme.test", admin_password=password
    )
    _, api_key = api_key_services.api_key_create(brand=brand, name="e2e storefront", actor=None)

    hub = hub_services.hub_apply(
        applicant=User.objects.create_user("owner@porch.test", password),
        name="Eastside Porch",
        kind=HubKind.NEIGHBOUR,
        address="1100 E 6th St",
        zip_code="78702",
        service_radius_miles=10,
    )
    for check in hub_services.VETTING_CHECKS:
        hub_services.hub_record_check(hub=hub, check=check, actor=staff)
    hub_services.hub_set_status(hub=hub, status=HubStatus.VETTED, actor=staff)
    hub_services.hub_set_status(hub=hub, status=HubStatus.ACTIVE, actor=staff)
    inspector = User.objects.create_user("inspector@porch.test", password, full_name="Ines Inspector")
    hub_services.hub_member_add(hub=hub, user=inspector, role=HubRole.INSPECTOR)

    with schema_context(brand.schema_name):
        owner = Actor.for_user(User.objects.get(email="owner@acme.test"), party=Party.BRAND)
        standard = standard_services.standard_create(name="Acme default", scope="default", actor=owner)
        draft = standard.versions.get()
        for key, prompt, cap in [("odor", "No odor", Grade.UNSELLABLE), ("seams", "Seams intact", Grade.FAIR)]:
            row_services.checklist_item_add(version=draft, key=key, prompt=prompt, fail_cap=cap, actor=owner)
        for slot, label in [("front", "Front"), ("back", "Back"), ("care-label", "Care label")]:
            row_services.photo_slot_add(version=draft, slot=slot, label=label, actor=owner)
        standard_services.version_publish(version=draft, actor=owner)

    return {
        "brand_host": brand.host,
        "api_key": api_key,
        "hub_id": hub.pk,
        "inspector": inspector.email,
    }


if __name__ == "__main__":
    print(json.dumps(main()))
