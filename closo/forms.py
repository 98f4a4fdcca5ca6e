"""What every portal form shares."""

from django import forms

from closo.exceptions import DomainError


def add_domain_error(form: forms.BaseForm, exc: DomainError) -> None:
    """Show a service's refusal on a bound form: under each field it names that the form
    has (services key `exc.fields` by the same names), else above the form (`exc.message`)."""
    placed = False
    for field, problems in exc.fields.items():
        if field in form.fields:
            form.add_error(field, problems)
            placed = True
    if not placed:
        form.add_error(None, exc.message)
