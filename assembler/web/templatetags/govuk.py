"""Form fields as GOV.UK Frontend's components write them: label, hint, error message and control,
tied together with aria-describedby so that a screen reader reads the hint and the error with it."""

from __future__ import annotations

from django import forms, template
from django.forms.boundfield import BoundField
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _described_by(field: BoundField) -> str:
    ids = [f"{field.auto_id}-hint"] if field.help_text else []
    ids += [f"{field.auto_id}-error"] if field.errors else []
    return " ".join(ids)


def _hint_and_error(field: BoundField) -> SafeString:
    hint = format_html('<div id="{}-hint" class="govuk-hint">{}</div>', field.auto_id, field.help_text) \
        if field.help_text else ""
    error = format_html('<p id="{}-error" class="govuk-error-message"><span class="govuk-visually-hidden">'
                        'Error:</span> {}</p>', field.auto_id, " ".join(map(str, field.errors))) if field.errors else ""
    return format_html("{}{}", hint, error)


CONTROL_CLASSES = ((forms.Textarea, "govuk-textarea"), (forms.Select, "govuk-select"),
                   (forms.FileInput, "govuk-file-upload"), (forms.Widget, "govuk-input"))


def _control(field: BoundField) -> SafeString:
    widget = field.field.widget
    kind = next(name for widget_class, name in CONTROL_CLASSES if isinstance(widget, widget_class))
    classes = kind + (f" {kind}--error" if field.errors else "")
    if isinstance(widget, forms.DateInput):
        classes += " govuk-input--width-10"
    attrs: dict[str, str | bool] = {"class": classes}
    if _described_by(field):
        attrs["aria-describedby"] = _described_by(field)
    if isinstance(widget, forms.Textarea):
        attrs["rows"] = "3"
    return field.as_widget(attrs=attrs)


def _choices(field: BoundField, kind: str) -> SafeString:
    """Checkboxes or radios: a fieldset whose legend is the field's label."""
    items = format_html_join(
        "", '<div class="govuk-{kind}__item"><input class="govuk-{kind}__input" id="{id}" name="{name}" '
            'type="{type}" value="{value}"{checked}><label class="govuk-label govuk-{kind}__label" '
            'for="{id}">{label}</label></div>',
        ({"kind": kind, "id": sub.id_for_label, "name": field.html_name, "value": sub.data["value"],
          "type": sub.data["type"], "label": sub.choice_label,
          "checked": mark_safe(" checked") if sub.data["selected"] else ""} for sub in field.subwidgets))
    described = _described_by(field)
    return format_html(
        '<div class="govuk-form-group{}"><fieldset class="govuk-fieldset"{}><legend class="govuk-fieldset__legend '
        'govuk-fieldset__legend--s">{}</legend>{}<div class="govuk-{}" data-module="govuk-{}">{}</div>'
        '</fieldset></div>',
        " govuk-form-group--error" if field.errors else "",
        format_html(' aria-describedby="{}"', described) if described else "",
        field.label, _hint_and_error(field), kind, kind, items or mark_safe(
            '<p class="govuk-body">None yet: add author accounts with <code>assembler users add</code>.</p>'))


def _checkbox(field: BoundField) -> SafeString:
    """A single yes-or-no box."""
    return format_html(
        '<div class="govuk-form-group{}"><div class="govuk-checkboxes govuk-checkboxes--small" '
        'data-module="govuk-checkboxes"><div class="govuk-checkboxes__item">{}<label class="govuk-label '
        'govuk-checkboxes__label" for="{}">{}</label></div></div>{}</div>',
        " govuk-form-group--error" if field.errors else "",
        field.as_widget(attrs={"class": "govuk-checkboxes__input"}), field.id_for_label, field.label,
        _hint_and_error(field))


@register.simple_tag
def govuk_field(field: BoundField) -> SafeString:
    widget = field.field.widget
    if isinstance(widget, forms.HiddenInput):
        return field.as_hidden()
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return _choices(field, "checkboxes")
    if isinstance(widget, forms.RadioSelect):
        return _choices(field, "radios")
    if isinstance(widget, forms.CheckboxInput):
        return _checkbox(field)
    return format_html(
        '<div class="govuk-form-group{}"><label class="govuk-label" for="{}">{}</label>{}{}</div>',
        " govuk-form-group--error" if field.errors else "", field.id_for_label, field.label,
        _hint_and_error(field), _control(field))


@register.inclusion_tag("web/error_summary.html")
def error_summary(form: forms.Form) -> dict[str, object]:
    """GOV.UK's error summary: every error, each linked to its field, focused when the page loads."""
    links = [(f"#{form[name].id_for_label}" if name in form.fields else "", message)
             for name, messages in form.errors.items() if name != "__all__" for message in messages]
    return {"general": form.non_field_errors(), "links": links}
