"""A service's refusal onto the form the view shows again (STYLE: the view calls the service and turns its
ValidationError into form errors)."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def add_service_errors(form, exc: ValidationError) -> None:
    """Each field's reasons beside that field (when the form has it), the rest at the top of the form."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)
