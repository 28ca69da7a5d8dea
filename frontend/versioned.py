"""No lost edits on pages (R44): an edit form carries the version of the record it was read
at; when someone else saved first, the save is refused, the form keeps what the person typed,
and an error shows the newer values. Submitting again then saves over them knowingly."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django import forms
from django.db import models
from django.utils.translation import gettext as _

from accounts.versions import StaleVersion, record_version, unchanged_since


class VersionedForm(forms.Form):
    """A form with the hidden version of the record it edits."""

    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def read_version(self) -> str | None:
        return (self.cleaned_data.get("version") or "").strip() or None

    def changes(self) -> dict[str, Any]:
        """What the form changes: its fields but the version."""
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


def initial_version(record: models.Model | None) -> dict[str, str]:
    return {"version": record_version(record)} if record is not None and record.pk else {}


@contextmanager
def saved_over(form: VersionedForm, queryset: models.QuerySet) -> Iterator[None]:
    """Run the save only if the record is still the version the form was read at."""
    with unchanged_since(queryset, form.read_version()):
        yield


def show_newer(
    form: VersionedForm, exc: StaleVersion, shown: Callable[[models.Model, str], Any] | None = None
) -> None:
    """The form error of a save refused as stale: the values saved since, field by field; the
    form now carries the newer version, so saving again replaces them deliberately."""
    current = exc.current
    newer = []
    for name, field in form.fields.items():
        if name == "version" or not hasattr(current, name):
            continue
        display = getattr(current, f"get_{name}_display", None)
        if shown is not None:
            value = shown(current, name)
        elif callable(display):
            value = display()  # the label a person reads, not the stored code
        else:
            value = getattr(current, name)
        if isinstance(value, list | tuple):
            value = ", ".join(str(item) for item in value)
        newer.append(f"{field.label}: {value if value not in (None, '') else '—'}")
    form.add_error(
        None,
        _(
            "Someone else saved this record after you opened it. Nothing of yours was saved, "
            "and what you typed is still here. Their version: %(values)s. Save again to "
            "replace it with yours."
        )
        % {"values": "; ".join(newer)},
    )
    data = form.data.copy()
    data["version"] = record_version(current)
    form.data = data
