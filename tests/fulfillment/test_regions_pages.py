"""The Regions pages of the brand portal: list, "Try a ZIP", create/edit/delete, roles."""

from django.urls import reverse

from fulfillment.models import RegionLimit

FORM = {
    "name": "Austin core",
    "zip_prefixes": "787, 786",
    "zips": "",
    "within_miles_of_hub": "",
    "max_promise_days": "21",
    "max_open_backorders_per_sku": "",
    "is_active": "on",
}


def test_empty_list_says_backorders_are_allowed_everywhere_and_how_to_limit(alice_client):
    response = alice_client.get(reverse("region_list"))
    assert response.status_code == 200
    assert response.context["section"] == "regions"
    page = response.content.decode()
    assert "No regions set — backorders are allowed everywhere." in page
    assert "Setting a region limits where backorders are" in page
    assert 'href="/regions/new/"' in page
    assert 'aria-current="page">Regions</a>' in page


def test_try_a_zip_shows_the_explanation_without_javascript(alice_client, brand_a, in_brand, active_hub):
    with in_brand(brand_a):
        RegionLimit.objects.create(name="Austin metro", within_miles_of_hub=10, max_promise_days=14)
    page = alice_client.get(reverse("region_list"), {"zip": "78701"}).content.decode()
    assert "78701: allowed — 1.6 mi from Eastside Porch (within 10 mi of an active hub, region “Austin metro”)" in page
    assert "Promise at most 14 days" in page
    assert 'value="78701"' in page
    page = alice_client.get(reverse("region_list"), {"zip": "10001"}).content.decode()
    assert "decision-no" in page
    assert "10001: not allowed — no region covers it (nearest active hub: Eastside Porch, 1,511 mi)" in page


def test_list_shows_each_regions_rules(alice_client, brand_a, in_brand):
    with in_brand(brand_a):
        RegionLimit.objects.create(
            name="Austin", zip_prefixes=["787"], zips=["78613"], within_miles_of_hub=5, max_open_backorders_per_sku=3
        )
    page = alice_client.get(reverse("region_list")).content.decode()
    assert "ZIPs starting 787; ZIP 78613; within 5 mi of an active hub" in page
    assert '<td data-label="Cap per SKU">3</td>' in page


def test_admin_creates_a_region(alice_client, brand_a, in_brand):
    response = alice_client.post(reverse("region_create"), FORM, follow=True)
    assert response.redirect_chain == [("/regions/", 302)]
    assert "Region “Austin core” added." in response.content.decode()
    with in_brand(brand_a):
        region = RegionLimit.objects.get()
    assert region.zip_prefixes == ["787", "786"]
    assert region.max_promise_days == 21
    assert region.is_active


def test_a_bad_form_keeps_the_input_and_shows_the_reason_on_the_field(alice_client, brand_a, in_brand):
    response = alice_client.post(reverse("region_create"), {**FORM, "zip_prefixes": "787, 78x", "zips": "00000"})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["zip_prefixes"] == [
        "78x: a ZIP prefix is 3 to 5 digits, e.g. 787 (one digit alone covers a tenth of the US)."
    ]
    page = response.content.decode()
    assert 'value="787, 78x"' in page
    assert 'value="Austin core"' in page
    with in_brand(brand_a):
        assert not RegionLimit.objects.exists()


def test_the_region_form_shows_every_problem_at_once(alice_client, brand_a, in_brand):
    bad = {"name": "", "zip_prefixes": "7, 00000", "zips": "00000", "max_promise_days": "0", "within_miles_of_hub": ""}
    form = alice_client.post(reverse("region_create"), {**FORM, **bad}).context["form"]
    assert form.errors == {
        "name": ["Give the region a name, e.g. “Austin metro”."],
        "zip_prefixes": [
            "7: a ZIP prefix is 3 to 5 digits, e.g. 787 (one digit alone covers a tenth of the US).",
            "00000: no US ZIP code starts with these digits.",
        ],
        "zips": ["00000: not a US ZIP code. Enter a 5-digit US ZIP code, e.g. 78702."],
        "max_promise_days": ["Between 1 and 365 days."],
    }
    with in_brand(brand_a):
        assert not RegionLimit.objects.exists()


def test_a_region_without_rules_is_refused_on_the_page(alice_client):
    response = alice_client.post(reverse("region_create"), {**FORM, "zip_prefixes": ""})
    assert response.status_code == 200
    assert "Add at least one rule" in response.context["form"].errors["zip_prefixes"][0]


def test_admin_edits_and_deletes_a_region(alice_client, brand_a, in_brand):
    with in_brand(brand_a):
        region = RegionLimit.objects.create(name="Austin", zip_prefixes=["787"], max_promise_days=30)
    edit = alice_client.get(reverse("region_edit", args=[region.pk]))
    assert 'value="787"' in edit.content.decode()
    assert "Delete region" in edit.content.decode()
    response = alice_client.post(reverse("region_edit", args=[region.pk]), {**FORM, "name": "Austin", "zips": "78613"})
    assert response.status_code == 302
    with in_brand(brand_a):
        region.refresh_from_db()
    assert region.zips == ["78613"]
    assert region.zip_prefixes == ["787", "786"]

    response = alice_client.post(reverse("region_delete", args=[region.pk]), follow=True)
    assert "Region “Austin” deleted." in response.content.decode()
    with in_brand(brand_a):
        assert not RegionLimit.objects.exists()


def test_viewer_sees_regions_but_no_write_buttons_and_cannot_write(host_client, brand_a, vera, in_brand):
    with in_brand(brand_a):
        region = RegionLimit.objects.create(name="Austin", zip_prefixes=["787"])
    client = host_client(brand_a.host, vera)
    page = client.get(reverse("region_list"), {"zip": "78701"}).content.decode()
    assert "78701: allowed — in region “Austin” (prefix 787)" in page
    assert "New region" not in page
    assert reverse("region_edit", args=[region.pk]) not in page
    assert client.get(reverse("region_create")).status_code == 403
    assert client.post(reverse("region_create"), FORM).status_code == 403
    assert client.post(reverse("region_edit", args=[region.pk]), FORM).status_code == 403
    assert client.post(reverse("region_delete", args=[region.pk])).status_code == 403
    with in_brand(brand_a):
        assert RegionLimit.objects.get().name == "Austin"


def test_outsiders_get_404_and_anonymous_sign_in(host_client, brand_a, olga):
    assert host_client(brand_a.host, olga).get(reverse("region_list")).status_code == 404
    response = host_client(brand_a.host).get(reverse("region_list"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/sign-in/")


def test_another_brands_region_is_a_404(alice_client, brand_b, in_brand):
    with in_brand(brand_b):
        bolt = RegionLimit.objects.create(name="Bolt secret", zip_prefixes=["100"])
    assert alice_client.get(reverse("region_edit", args=[bolt.pk])).status_code == 404
    assert alice_client.post(reverse("region_delete", args=[bolt.pk])).status_code == 404
    with in_brand(brand_b):
        assert RegionLimit.objects.exists()


def test_delete_is_post_only(alice_client, brand_a, in_brand):
    with in_brand(brand_a):
        region = RegionLimit.objects.create(name="Austin", zip_prefixes=["787"])
    assert alice_client.get(reverse("region_delete", args=[region.pk])).status_code == 405


def test_list_uses_the_same_number_of_queries_at_10_and_100_regions(
    alice_client, brand_a, in_brand, active_hub, django_assert_num_queries
):
    def make(start, n):
        with in_brand(brand_a):
            RegionLimit.objects.bulk_create(
                RegionLimit(name=f"Region {i:03d}", zip_prefixes=[f"{i:03d}"], within_miles_of_hub=5)
                for i in range(start, start + n)
            )

    make(0, 10)
    alice_client.get(reverse("region_list"))
    # search_path (host → brand from memory), session, user, membership, regions (with counts),
    # and the ZIP check: ZIP, active regions, nearest hub
    with django_assert_num_queries(8) as ten:
        alice_client.get(reverse("region_list"), {"zip": "78701"})
    make(10, 90)
    with django_assert_num_queries(len(ten.captured_queries)):
        response = alice_client.get(reverse("region_list"), {"zip": "78701"})
    assert len(response.context["regions"]) == 100
