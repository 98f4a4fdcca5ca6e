"""Portal pages for grading standards: the list, the editor, the hub-form preview and
the history; who may do what; published versions read-only; brand B out of reach."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from closo.actors import Actor
from fulfillment.models import Sku
from inspections.models import GradingStandard, StandardVersion
from inspections.services import standard_rows as row_services
from inspections.services import standards as services
from tests.inspections.conftest import make_standard

Scope = GradingStandard.Scope


@pytest.fixture
def a_actor(alice):
    return Actor(user=alice, label=alice.email)


@pytest.fixture
def alice_client(host_client, brand_a, alice):
    return host_client(brand_a.host, alice)


@pytest.fixture
def draft(in_brand, brand_a, a_actor):
    """Brand A's default standard with a draft v1 of 2 checks and 1 photo slot."""
    with in_brand(brand_a):
        standard = make_standard(a_actor, items=2, photos=1)
        return standard.versions.get()


@pytest.fixture
def published(in_brand, brand_a, a_actor):
    with in_brand(brand_a):
        standard = make_standard(a_actor, items=2, photos=2, publish=True)
        return standard.versions.get()


def url(name, version, *extra):
    return reverse(name, args=[version.standard_id, version.number, *extra])


def flash(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- list ---


def test_empty_list_says_what_to_do_next(alice_client):
    response = alice_client.get(reverse("standard_list"))
    assert response.status_code == 200
    assert b"No standards yet. Create the brand default below" in response.content
    assert b"POST /api/v1/standards/" in response.content
    assert response.context["section"] == "standards"


def test_admin_creates_the_brand_default_and_lands_in_its_editor(alice_client, in_brand, brand_a):
    response = alice_client.post(reverse("standard_list"), {"name": "Acme default", "scope": "default"})
    with in_brand(brand_a):
        standard = GradingStandard.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("standard_detail", args=[standard.pk])
    page = alice_client.get(response["Location"])
    assert b"v1 \xc2\xb7 Draft" in page.content
    assert b"Add a check" in page.content
    assert b"Add at least one checklist item." in page.content


def test_category_standard_needs_a_category_and_keeps_the_input(alice_client, in_brand, brand_a):
    response = alice_client.post(reverse("standard_list"), {"name": "Blankets", "scope": "category", "category": ""})
    assert response.status_code == 400
    assert response.context["form"].errors == {"category": ["Name the category this standard is for."]}
    assert b'value="Blankets"' in response.content
    with in_brand(brand_a):
        assert not GradingStandard.objects.exists()


def test_sku_standard_needs_a_known_sku_code(alice_client, in_brand, brand_a):
    response = alice_client.post(reverse("standard_list"), {"name": "One", "scope": "sku", "sku": "NOPE"})
    assert response.context["form"].errors == {"sku": ["No SKU with the code “NOPE”."]}
    with in_brand(brand_a):
        Sku.objects.create(code="BLK-1", title="Blanket", price=120)
    response = alice_client.post(reverse("standard_list"), {"name": "One", "scope": "sku", "sku": "BLK-1"})
    assert response.status_code == 302
    with in_brand(brand_a):
        assert GradingStandard.objects.get().sku.code == "BLK-1"


def test_a_second_default_is_refused_on_the_form(alice_client, draft):
    response = alice_client.post(reverse("standard_list"), {"name": "Another", "scope": "default"})
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "This brand already has a default standard: open it and start a new draft instead."
    ]


def test_list_shows_scope_version_in_force_and_draft(alice_client, in_brand, brand_a, a_actor, published):
    with in_brand(brand_a):
        services.version_draft_create(standard=published.standard, actor=a_actor)
        make_standard(a_actor, name="Throws", scope=Scope.CATEGORY, category="Throws")
    response = alice_client.get(reverse("standard_list"))
    rows = response.content.decode()
    assert "v1 published" in rows
    assert "Draft v2" in rows
    assert "SKUs in the category “Throws”" in rows
    assert "Not published" in rows
    throws_only = alice_client.get(reverse("standard_list") + "?scope=category")
    assert [s.name for s in throws_only.context["standards"]] == ["Throws"]


def make_standards(brand, in_brand, actor, n, start=0):
    with in_brand(brand):
        for i in range(start, start + n):
            make_standard(actor, name=f"Cat {i}", scope=Scope.CATEGORY, category=f"Cat {i:03d}", items=0, photos=0)


def test_list_uses_the_same_number_of_queries_at_10_and_100_standards(
    alice_client, in_brand, brand_a, a_actor, django_assert_num_queries, django_assert_max_num_queries
):
    make_standards(brand_a, in_brand, a_actor, 10)
    alice_client.get(reverse("standard_list"))
    with django_assert_max_num_queries(20) as ten:
        assert alice_client.get(reverse("standard_list")).content.count(b"<tr>") == 11
    make_standards(brand_a, in_brand, a_actor, 90, start=10)
    with django_assert_num_queries(len(ten.captured_queries)):
        response = alice_client.get(reverse("standard_list"))
    assert response.content.count(b"<tr>") == 51  # header + a page of 50
    assert b"Page 1 of 2" in response.content


def test_viewer_sees_the_list_without_the_new_standard_form_and_cannot_create(
    host_client, brand_a, vera, in_brand, draft
):
    client = host_client(brand_a.host, vera)
    response = client.get(reverse("standard_list"))
    assert response.status_code == 200
    assert b"Brand default" in response.content
    assert b"Create standard" not in response.content
    response = client.post(reverse("standard_list"), {"name": "X", "scope": "category", "category": "X"})
    assert flash(response) == ["Only owners and admins can create standards."]
    with in_brand(brand_a):
        assert GradingStandard.objects.count() == 1


# --- the editor ---


def test_adding_a_check_appends_it_and_derives_the_key(alice_client, draft, in_brand, brand_a):
    response = alice_client.post(
        url("standard_item_add", draft),
        {"prompt": "Zipper works", "help_text": "Run it end to end", "fail_cap": "fair", "required": "on"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#checklist")
    with in_brand(brand_a):
        item = draft.checklist.last()
    assert (item.key, item.prompt, item.help_text, item.fail_cap, item.required) == (
        "zipper-works",
        "Zipper works",
        "Run it end to end",
        "fair",
        True,
    )
    page = alice_client.get(response["Location"])
    assert "Added the check “Zipper works”." in [str(m) for m in page.context["messages"]]


def test_an_invalid_check_shows_errors_and_keeps_the_input(alice_client, draft, in_brand, brand_a):
    response = alice_client.post(
        url("standard_item_add", draft), {"prompt": "Odour", "key": "tags", "fail_cap": "good"}
    )
    assert response.status_code == 400
    assert response.context["item_form"].errors == {"key": ["Already used."]}
    assert b'value="Odour"' in response.content
    response = alice_client.post(url("standard_item_add", draft), {"prompt": "Odour", "fail_cap": "mint"})
    assert "fail_cap" in response.context["item_form"].errors
    with in_brand(brand_a):
        assert draft.checklist.count() == 2


def test_checks_move_up_and_down(alice_client, draft, in_brand, brand_a):
    response = alice_client.post(url("standard_item_move", draft, "odor"), {"direction": "up"})
    assert response["Location"].endswith("#item-odor")
    with in_brand(brand_a):
        assert list(draft.checklist.values_list("key", flat=True)) == ["odor", "tags"]
    alice_client.post(url("standard_item_move", draft, "odor"), {"direction": "down"})
    with in_brand(brand_a):
        assert list(draft.checklist.values_list("key", flat=True)) == ["tags", "odor"]


def test_a_check_is_edited_on_its_own_page(alice_client, draft, in_brand, brand_a):
    page = alice_client.get(url("standard_item_edit", draft, "tags"))
    assert page.status_code == 200
    assert b'value="Tags attached"' in page.content
    response = alice_client.post(
        url("standard_item_edit", draft, "tags"), {"prompt": "Hang tags attached", "fail_cap": "fair", "key": "tags"}
    )
    assert response.status_code == 302
    with in_brand(brand_a):
        item = draft.checklist.get(key="tags")
    assert (item.prompt, item.fail_cap, item.required) == ("Hang tags attached", "fair", False)


def test_a_check_is_removed(alice_client, draft, in_brand, brand_a):
    response = alice_client.post(url("standard_item_delete", draft, "tags"))
    assert flash(response) == ["Removed the check “tags”."]
    with in_brand(brand_a):
        assert list(draft.checklist.values_list("key", flat=True)) == ["odor"]


def test_photo_slots_are_added_edited_moved_and_removed(alice_client, draft, in_brand, brand_a):
    alice_client.post(url("standard_photo_add", draft), {"label": "Care label", "min_long_edge_px": 800})
    alice_client.post(url("standard_photo_add", draft), {"label": "Back", "min_long_edge_px": 1200, "required": "on"})
    alice_client.post(url("standard_photo_move", draft, "back"), {"direction": "up"})
    alice_client.post(
        url("standard_photo_edit", draft, "care-label"),
        {"label": "Care label", "slot": "care-label", "min_long_edge_px": 1000, "required": "on"},
    )
    alice_client.post(url("standard_photo_delete", draft, "front"))
    with in_brand(brand_a):
        rows = list(draft.photos.values_list("slot", "required", "min_long_edge_px"))
    assert rows == [("back", True, 1200), ("care-label", True, 1000)]


def test_dispositions_are_four_selects(alice_client, draft, in_brand, brand_a):
    page = alice_client.get(url("standard_version", draft))
    assert page.content.count(b'<select name="') == 1 + 4  # the check's cap + one per grade
    mapping = {"like_new": "local_stock", "good": "local_stock", "fair": "warehouse", "unsellable": "recycle"}
    response = alice_client.post(url("standard_dispositions", draft), mapping)
    assert flash(response) == ["Saved where each grade goes."]
    with in_brand(brand_a):
        draft.refresh_from_db()
    assert draft.dispositions == mapping
    response = alice_client.post(url("standard_dispositions", draft), mapping | {"fair": "landfill"})
    assert response.status_code == 400
    assert "fair" in response.context["dispositions_form"].errors


@pytest.mark.parametrize(
    ("items", "photos", "message"),
    [
        (0, 1, "Add at least one checklist item before publishing."),
        (1, 0, "Add at least one required photo slot before publishing."),
    ],
)
def test_publishing_an_incomplete_draft_says_what_is_missing(
    alice_client, in_brand, brand_a, a_actor, items, photos, message
):
    with in_brand(brand_a):
        version = make_standard(a_actor, items=items, photos=photos).versions.get()
    page = alice_client.get(url("standard_version", version))
    assert message.replace(" before publishing", "").encode() in page.content
    response = alice_client.post(url("standard_publish", version), {"notes": ""})
    assert flash(response) == [message]
    with in_brand(brand_a):
        version.refresh_from_db()
    assert version.status == "draft"


def test_publishing_makes_the_version_read_only(alice_client, draft, in_brand, brand_a, alice):
    response = alice_client.post(url("standard_publish", draft), {"notes": "First cut"})
    assert flash(response) == ["Published version 1. Hubs use it from now on for the items this standard covers."]
    with in_brand(brand_a):
        draft.refresh_from_db()
    assert (draft.status, draft.notes, draft.published_by) == ("published", "First cut", alice)
    page = alice_client.get(url("standard_version", draft)).content.decode()
    assert "v1 · Published" in page
    assert "Start a new draft from v1" in page
    for control in ("Add check", "Add photo slot", "Remove", "Save dispositions", "Publish version", "↑"):
        assert control not in page
    assert "Local stock" in page  # the dispositions as a table


EDIT_POSTS = [
    ("standard_item_add", (), {"prompt": "Late", "fail_cap": "good"}),
    ("standard_item_edit", ("tags",), {"prompt": "Changed", "fail_cap": "good", "key": "tags"}),
    ("standard_item_delete", ("tags",), {}),
    ("standard_item_move", ("odor",), {"direction": "up"}),
    ("standard_photo_add", (), {"label": "Late", "min_long_edge_px": 1200}),
    ("standard_photo_edit", ("front",), {"label": "Changed", "min_long_edge_px": 1200, "slot": "front"}),
    ("standard_photo_delete", ("front",), {}),
    ("standard_photo_move", ("back",), {"direction": "up"}),
    (
        "standard_dispositions",
        (),
        {"like_new": "recycle", "good": "recycle", "fair": "recycle", "unsellable": "recycle"},
    ),
    ("standard_publish", (), {"notes": "again"}),
    ("standard_draft_discard", (), {}),
]


@pytest.mark.parametrize(("name", "args", "data"), EDIT_POSTS, ids=[e[0] for e in EDIT_POSTS])
def test_a_published_version_cannot_be_changed_through_the_portal(
    alice_client, published, in_brand, brand_a, name, args, data
):
    def snapshot():
        with in_brand(brand_a):
            version = StandardVersion.objects.get(pk=published.pk)
            return (
                version.status,
                version.notes,
                version.dispositions,
                list(version.checklist.values()),
                list(version.photos.values()),
            )

    before = snapshot()
    response = alice_client.post(url(name, published, *args), data)
    assert response.status_code == 302
    assert response["Location"].split("#")[0] == url("standard_version", published)
    (message,) = flash(response)
    assert "is published and cannot change" in message
    assert snapshot() == before


def test_the_edit_page_of_a_published_check_redirects_with_a_message(alice_client, published):
    response = alice_client.get(url("standard_item_edit", published, "tags"))
    assert response.status_code == 302
    assert flash(response) == ["Version 1 is published and cannot change. Start a new draft."]


def test_a_new_draft_is_started_from_the_published_version(alice_client, published, in_brand, brand_a):
    response = alice_client.post(reverse("standard_draft_create", args=[published.standard_id]))
    assert response["Location"] == reverse("standard_version", args=[published.standard_id, 2])
    with in_brand(brand_a):
        assert StandardVersion.objects.get(standard_id=published.standard_id, number=2).checklist.count() == 2
    alice_client.get(response["Location"])
    again = alice_client.post(reverse("standard_draft_create", args=[published.standard_id]))
    assert flash(again) == ["Version 2 is already a draft: edit it, or discard it first."]
    page = alice_client.get(reverse("standard_detail", args=[published.standard_id]))
    assert page.context["version"].number == 2


def test_a_draft_is_discarded(alice_client, draft, in_brand, brand_a):
    response = alice_client.post(url("standard_draft_discard", draft))
    assert response["Location"] == reverse("standard_detail", args=[draft.standard_id])
    page = alice_client.get(response["Location"])
    assert b"This standard has no versions." in page.content
    assert b"Start a draft" in page.content


def test_viewer_sees_the_draft_without_edit_controls_and_cannot_post(host_client, brand_a, vera, draft):
    client = host_client(brand_a.host, vera)
    page = client.get(url("standard_version", draft)).content.decode()
    assert "Tags attached" in page
    assert "Add check" not in page and "Remove" not in page and "Publish version" not in page
    assert "Owners and admins edit and publish it." in page
    assert client.post(url("standard_item_add", draft), {"prompt": "X", "fail_cap": "good"}).status_code == 403
    assert client.post(url("standard_publish", draft)).status_code == 403
    assert client.get(url("standard_item_edit", draft, "tags")).status_code == 403


@pytest.mark.parametrize("who", ["olga", "ivan", "bob"])
def test_non_members_get_404(host_client, brand_a, request, who, draft):
    client = host_client(brand_a.host, request.getfixturevalue(who))
    assert client.get(reverse("standard_list")).status_code == 404
    assert client.get(url("standard_version", draft)).status_code == 404
    assert client.post(url("standard_publish", draft)).status_code == 404


def test_brand_b_standards_are_not_reachable_from_brand_a(host_client, brand_a, brand_b, bob, alice, in_brand):
    with in_brand(brand_b):
        b_version = make_standard(Actor(user=bob, label=bob.email), name="Bolt secret").versions.get()
    client = host_client(brand_a.host, alice)
    assert b"Bolt secret" not in client.get(reverse("standard_list")).content
    assert client.get(url("standard_version", b_version)).status_code == 404
    assert client.get(reverse("standard_detail", args=[b_version.standard_id])).status_code == 404
    assert client.post(url("standard_publish", b_version)).status_code == 404
    with in_brand(brand_b):
        b_version.refresh_from_db()
    assert b_version.status == "draft"


def test_anonymous_is_sent_to_sign_in(host_client, brand_a):
    response = host_client(brand_a.host).get(reverse("standard_list"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/sign-in/")


# --- preview and history ---


def test_preview_shows_the_hub_form(alice_client, draft):
    page = alice_client.get(url("standard_preview", draft)).content.decode()
    # A labelled placeholder, not a (disabled) file input reading "Choose File No file chosen".
    assert '<input type="file"' not in page
    assert 'role="img" aria-label="Photo: Front — taken by the hub"' in page
    assert page.count('value="pass"') == 2 and page.count('value="fail"') == 2
    assert "<span data-answered>0</span> of 2 checks answered · 0 of 1 photos" in page


def test_preview_grades_the_answers_with_this_versions_rules(alice_client, draft):
    response = alice_client.get(url("standard_preview", draft), {"try": "1", "a-tags": "fail", "a-odor": "pass"})
    page = response.content.decode()
    assert "Tags attached: failed → at most Good" in page
    assert "→ Warehouse" in page
    assert "<span data-answered>2</span> of 2 checks answered" in page
    assert 'value="fail" checked' in page


def test_preview_names_the_unanswered_required_checks(alice_client, draft):
    page = alice_client.get(url("standard_preview", draft), {"try": "1", "a-tags": "pass"}).content.decode()
    assert "Answer every required check: odor." in page


def test_history_shows_what_changed_between_versions(alice_client, published, in_brand, brand_a, a_actor):
    with in_brand(brand_a):
        v2 = services.version_draft_create(standard=published.standard, actor=a_actor)
        row_services.checklist_item_update(version=v2, key="tags", changes={"fail_cap": "fair"}, actor=a_actor)
        row_services.checklist_item_delete(version=v2, key="odor", actor=a_actor)
        row_services.photo_slot_add(version=v2, slot="defect", label="Defect close-up", required=False, actor=a_actor)
        services.version_dispositions_set(
            version=v2,
            dispositions={
                "like_new": "local_stock",
                "good": "local_stock",
                "fair": "liquidation",
                "unsellable": "recycle",
            },
            actor=a_actor,
        )
        services.version_publish(version=v2, notes="Stricter tags", actor=a_actor)
    page = alice_client.get(reverse("standard_history", args=[published.standard_id])).content.decode()
    assert "Changes from version 1:" in page
    assert "Changed check “Tags attached”: if it fails Good → Fair" in page
    assert "Removed check “No odor”" in page
    assert "Added photo “Defect close-up” (optional, at least 1200 px)" in page
    assert "Good now goes to Local stock (was Warehouse)" in page
    assert "“Stricter tags”" in page
    assert "First version: 2 checks, 2 photo slots." in page
