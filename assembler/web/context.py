"""What every page's layout needs: the council's name for the header."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def workspace(request: HttpRequest) -> dict[str, Any]:
    return {"organisation": settings.ORGANISATION or "Democratic Services"}
