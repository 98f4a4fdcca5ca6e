"""A service's refusal shown on a portal form (closo.forms.add_domain_error)."""

from django import forms

from closo.exceptions import Invalid, InvalidTransition
from closo.forms import add_domain_error


class NameForm(forms.Form):
    name = forms.CharField()
    note = forms.CharField(required=False)


def bound_form() -> NameForm:
    form = NameForm({"name": "Acme", "note": "x"})
    assert form.is_valid()
    return form


def test_the_error_lands_on_each_field_it_names_that_the_form_has():
    form = bound_form()
    add_domain_error(form, Invalid("Bad.", fields={"name": ["Taken.", "Too short."], "region": ["Unknown."]}))
    assert form.errors == {"name": ["Taken.", "Too short."]}
    assert "name" not in form.cleaned_data


def test_an_error_that_names_no_field_of_the_form_goes_above_it():
    form = bound_form()
    add_domain_error(
        form, InvalidTransition("Cancelled returns cannot move.", fields={"status": ["Currently cancelled."]})
    )
    assert form.non_field_errors() == ["Cancelled returns cannot move."]
    assert not form.has_error("name")
    without_fields = bound_form()
    add_domain_error(without_fields, Invalid("No fields at all."))
    assert without_fields.non_field_errors() == ["No fields at all."]
