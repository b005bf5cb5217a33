"""The workspace's forms: they parse what the browser sends. The rules for what a meeting may hold
are the library's (sources/schema.py, commands/agenda.py), which answer in the same words as
`assembler check`; these forms only ask for the right shape of answer."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from assembler.web.models import AUTHOR, User

EXEMPT_CHOICES = [("", "Not exempt: the paper is public")] + [
    (str(n), f"Exempt under paragraph {n}") for n in range(1, 8)]


class LoginForm(AuthenticationForm):
    """Django's own login form: with django-axes, it counts failures and locks out guessing."""


class MeetingForm(forms.Form):
    body = forms.CharField(label="Committee", max_length=200,
                           error_messages={"required": "Enter the committee's name"},
                           help_text="For example, Northshire Safer Communities Strategy Board")
    date = forms.DateField(label="Date of the meeting", help_text="For example, 2026-09-24",
                           input_formats=["%Y-%m-%d", "%d/%m/%Y"],
                           error_messages={"required": "Enter the date of the meeting",
                                           "invalid": "Enter the date as YYYY-MM-DD, such as 2026-09-24"})


class DetailsForm(MeetingForm):
    version = forms.CharField(widget=forms.HiddenInput)
    time = forms.CharField(label="Time", required=False, max_length=100, help_text="Printed as given, "
                                                                                  "for example 10.00 am")
    venue = forms.CharField(label="Venue", required=False, max_length=300)
    organisation = forms.CharField(label="Council", required=False, max_length=200,
                                   help_text="Printed on the front sheet and as the PDF's author")
    contact_name = forms.CharField(label="Contact's name", required=False, max_length=200)
    contact_phone = forms.CharField(label="Contact's phone", required=False, max_length=100)
    contact_email = forms.EmailField(label="Contact's email", required=False, max_length=200,
                                     error_messages={"invalid": "Enter an email address such as name@example.gov.uk"})


class ItemForm(forms.Form):
    version = forms.CharField(widget=forms.HiddenInput)
    title = forms.CharField(label="Title", max_length=1000, error_messages={"required": "Enter the item's title"})
    presenter = forms.CharField(label="Presenter", required=False, max_length=500,
                                help_text="Printed under the title")
    text = forms.CharField(label="Text", required=False, max_length=2000, widget=forms.Textarea,
                           help_text="Printed under the title, for example the date of the next meeting")
    verbal = forms.BooleanField(label="Verbal report (no paper)", required=False)
    exempt = forms.ChoiceField(label="Exempt from publication", choices=EXEMPT_CHOICES, required=False,
                               help_text="The paragraph of Part 1 of Schedule 12A to the Local Government "
                                         "Act 1972 that keeps the paper out of the public pack")
    public_title = forms.CharField(label="Title shown in public", required=False, max_length=1000,
                                   help_text="For an exempt item whose title would itself say too much")
    supplement = forms.IntegerField(label="Supplement", required=False, min_value=1, max_value=99,
                                    error_messages={key: "Enter the supplement's number, from 1 to 99"
                                                    for key in ("invalid", "min_value", "max_value")},
                                    help_text="For a late paper: the number of the supplementary pack it "
                                              "goes out in")
    authors = forms.MultipleChoiceField(label="Authors", required=False, widget=forms.CheckboxSelectMultiple,
                                        help_text="The accounts that may see this item and upload its paper")

    def __init__(self, *args: Any, listed: tuple[str, ...] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        names = list(User.objects.filter(role=AUTHOR).order_by("username").values_list("username", flat=True))
        names += [name for name in listed if name not in names]  # named in meeting.yaml, no account yet
        self.fields["authors"].choices = [(name, name) for name in names]  # type: ignore[attr-defined]

    def values(self) -> dict[str, Any]:
        """The item's fields as meeting.yaml takes them: text, with empty meaning none."""
        data = self.cleaned_data
        return {"title": data["title"], "presenter": data["presenter"], "text": data["text"],
                "verbal": "true" if data["verbal"] else "", "exempt": data["exempt"],
                "public_title": data["public_title"],
                "supplement": "" if data["supplement"] is None else str(data["supplement"]),
                "authors": list(data["authors"])}


class UploadForm(forms.Form):
    version = forms.CharField(widget=forms.HiddenInput)
    role = forms.ChoiceField(label="What is it?", choices=[("paper", "The item's paper"),
                                                           ("appendix", "An appendix to the paper")],
                             widget=forms.RadioSelect, initial="paper")
    document = forms.FileField(label="Upload a Word (.docx) or PDF file",
                               error_messages={"required": "Choose a Word (.docx) or PDF file to upload",
                                               "empty": "The file chosen is empty"})


class VersionForm(forms.Form):
    version = forms.CharField(widget=forms.HiddenInput)
