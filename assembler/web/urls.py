"""Every address the workspace answers. Only the login page is open without signing in."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import path, register_converter

from assembler.names import MEETING_ID
from assembler.web import builds, pages
from assembler.web.forms import LoginForm


class MeetingId:
    """A meeting folder's name, as names.py allows it."""

    regex = MEETING_ID.pattern

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(MeetingId, "meeting")

urlpatterns = [
    path("", pages.home, name="home"),
    path("login/", login_not_required(auth_views.LoginView.as_view(
        template_name="web/login.html", authentication_form=LoginForm, redirect_authenticated_user=True)),
        name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("audit/", pages.audit, name="audit"),
    path("meetings/new/", pages.new_meeting, name="new_meeting"),
    path("meetings/<meeting:meeting>/", pages.meeting, name="meeting"),
    path("meetings/<meeting:meeting>/details/", pages.details, name="details"),
    path("meetings/<meeting:meeting>/items/new/", pages.item, name="new_item"),
    path("meetings/<meeting:meeting>/items/<int:position>/", pages.item, name="item"),
    path("meetings/<meeting:meeting>/items/<int:position>/move/", pages.move, name="move"),
    path("meetings/<meeting:meeting>/items/<int:position>/remove/", pages.remove, name="remove"),
    path("meetings/<meeting:meeting>/items/<int:position>/upload/", pages.upload, name="upload"),
    path("meetings/<meeting:meeting>/build/", builds.start, name="build"),
    path("meetings/<meeting:meeting>/build/status/", builds.status, name="build_status"),
    path("meetings/<meeting:meeting>/outputs/", builds.outputs, name="outputs"),
    path("meetings/<meeting:meeting>/outputs/file/<path:name>", builds.download, name="output"),
    path("meetings/<meeting:meeting>/outputs/preview/<path:name>", builds.preview, name="preview"),
    path("meetings/<meeting:meeting>/outputs/page/<path:name>", builds.image, name="page_image"),
]
