from django_tenants.utils import schema_exists

from brands.exceptions import SlugTaken
from brands.models import Brand
from brands.services import brands as services
from closo.exceptions import InvalidTransition
from closo.models import User
from hubs.models import Hub, HubEvent, HubStatus
from hubs.services import registry as hub_services
from tests.conftest import EMAILS, run_concurrently
from tests.factories import applied_hub, as_staff


def test_two_onboardings_racing_for_one_slug_make_one_brand(committed):
    def cleanup():
        for brand in Brand.objects.filter(slug="race"):
            brand.delete(force_drop=True)
        User.objects.filter(email__endswith="@race.test").delete()

    committed.append(cleanup)
    results = run_concurrently(
        lambda i: services.brand_create(
            name=f"Race {i}", slug="race", admin_email=f"owner{i}@race.test", admin_password="pw-long-enough-1"
        )
    )
    brands = [r for r in results if isinstance(r, Brand)]
    assert len(brands) == 1, results
    assert [type(r) for r in results if not isinstance(r, Brand)] == [SlugTaken]
    assert Brand.objects.filter(slug="race").count() == 1
    assert schema_exists("brand_race")
    # The loser's owner account was rolled back with its attempt.
    assert User.objects.filter(email__endswith="@race.test").count() == 1


def test_brands_onboarded_at_the_same_moment_are_all_made(committed):
    """Different slugs at once (a simulator's two runs, two sign-ups): no deadlock between
    the schema clones, every brand with its schema."""
    slugs = [f"parallel-{i}" for i in range(3)]

    def cleanup():
        for brand in Brand.objects.filter(slug__in=slugs):
            brand.delete(force_drop=True)
        User.objects.filter(email__endswith="@parallel.test").delete()

    committed.append(cleanup)
    results = run_concurrently(
        lambda i: services.brand_create(
            name=f"Parallel {i}",
            slug=slugs[i],
            admin_email=f"owner{i}@parallel.test",
            admin_password="pw-long-enough-1",
        ),
        n=3,
    )
    assert all(isinstance(r, Brand) for r in results), results
    assert all(schema_exists(f"brand_parallel_{i}") for i in range(3))


def test_two_staff_suspending_one_hub_at_once_record_one_change(committed):
    stan = User.objects.get(email=EMAILS["stan"])  # not the `stan` fixture: that one opens a test transaction
    hub = applied_hub("Race Hub", owner_email="racehub@race.test")
    committed.append(
        lambda: (Hub.objects.filter(pk=hub.pk).delete(), User.objects.filter(email="racehub@race.test").delete())
    )
    Hub.objects.filter(pk=hub.pk).update(status=HubStatus.ACTIVE)

    results = run_concurrently(
        lambda i: hub_services.hub_set_status(hub=hub, status=HubStatus.SUSPENDED, actor=as_staff(stan), reason=f"r{i}")
    )
    assert sum(isinstance(r, Hub) for r in results) == 1, results
    assert sum(isinstance(r, InvalidTransition) for r in results) == 1
    assert HubEvent.objects.filter(hub=hub, kind=HubEvent.Kind.STATUS).count() == 1
