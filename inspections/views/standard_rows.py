from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from brands.decorators import brand_member_required
from closo.actors import Actor
from closo.exceptions import DomainError
from closo.forms import add_domain_error
from inspections.forms import standards as forms
from inspections.models import ChecklistItem, PhotoRequirement
from inspections.selectors import standards as selectors
from inspections.services import standard_rows as services
from inspections.views.standards import AUTO_IDS, _edit, _version_page, _version_url


def _add(request, pk, number, form_class, form_key: str, service, noun: str):
    version = selectors.version_get(standard_id=pk, number=number)
    form = form_class(request.POST, auto_id=AUTO_IDS[form_key])
    if form.is_valid():
        try:
            service(version=version, **form.cleaned_data, actor=Actor.from_request(request))
        except DomainError as error:
            if error.code == "version_published":
                messages.error(request, error.message)
                return redirect(_version_url(version))
            add_domain_error(form, error)
        else:
            messages.success(
                request, f"Added {noun} “{form.cleaned_data.get('prompt') or form.cleaned_data['label']}”."
            )
            return redirect(_version_url(version) + ("#checklist" if form_key == "item_form" else "#photos"))
    return _version_page(request, version, version.standard, **{form_key: form})


@require_POST
@brand_member_required(write=True)
def item_add(request, pk, number):
    return _add(
        request,
        pk,
        number,
        forms.ChecklistItemForm,
        "item_form",
        services.checklist_item_add,
        "the check",
    )


@require_POST
@brand_member_required(write=True)
def photo_add(request, pk, number):
    return _add(request, pk, number, forms.PhotoSlotForm, "photo_form", services.photo_slot_add, "the photo slot")


def _edit_row(request, pk, number, key, model, form_class, service, template_noun):
    version = selectors.version_get(standard_id=pk, number=number)
    key_field = "key" if model is ChecklistItem else "slot"
    row = get_object_or_404(model, version=version, **{key_field: key})
    if version.is_published:
        messages.error(request, f"Version {version.number} is published and cannot change. Start a new draft.")
        return redirect(_version_url(version))
    initial = {name: getattr(row, name) for name in form_class.base_fields}
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = {name: value for name, value in form.cleaned_data.items() if value != initial[name]}
        try:
            service(version=version, **{key_field: key}, changes=changes, actor=Actor.from_request(request))
        except DomainError as error:
            if error.code == "version_published":
                messages.error(request, error.message)
                return redirect(_version_url(version))
            add_domain_error(form, error)
        else:
            messages.success(request, "Saved.")
            return redirect(_version_url(version) + ("#checklist" if model is ChecklistItem else "#photos"))
    context = {
        "standard": version.standard,
        "version": version,
        "row": row,
        "form": form,
        "noun": template_noun,
        "section": "standards",
    }
    return render(request, "inspections/row_edit.html", context, status=400 if form.errors else 200)


@brand_member_required(write=True)
def item_edit(request, pk, number, key):
    return _edit_row(
        request,
        pk,
        number,
        key,
        ChecklistItem,
        forms.ChecklistItemForm,
        services.checklist_item_update,
        "check",
    )


@brand_member_required(write=True)
def photo_edit(request, pk, number, slot):
    return _edit_row(
        request,
        pk,
        number,
        slot,
        PhotoRequirement,
        forms.PhotoSlotForm,
        services.photo_slot_update,
        "photo slot",
    )


@require_POST
@brand_member_required(write=True)
def item_delete(request, pk, number, key):
    return _edit(
        request,
        pk,
        number,
        partial(services.checklist_item_delete, key=key),
        f"Removed the check “{key}”.",
    )


@require_POST
@brand_member_required(write=True)
def photo_delete(request, pk, number, slot):
    return _edit(
        request,
        pk,
        number,
        partial(services.photo_slot_delete, slot=slot),
        f"Removed the photo slot “{slot}”.",
    )


def _move(request, pk, number, move, *, anchor: str):
    """Move one row a place up or down (`move(version=, offset=, actor=)`) and come back
    to it (`anchor`) on the version page."""
    offset = -1 if request.POST.get("direction") == "up" else 1
    response = _edit(request, pk, number, partial(move, offset=offset))
    response["Location"] += f"#{anchor}"
    return response


@require_POST
@brand_member_required(write=True)
def item_move(request, pk, number, key):
    return _move(request, pk, number, partial(services.checklist_item_move, key=key), anchor=f"item-{key}")


@require_POST
@brand_member_required(write=True)
def photo_move(request, pk, number, slot):
    return _move(request, pk, number, partial(services.photo_slot_move, slot=slot), anchor=f"photo-{slot}")
