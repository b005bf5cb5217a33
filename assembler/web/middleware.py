"""The workspace's own middleware: one rule about what browsers and proxies may keep."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


def no_store(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """Nothing the workspace shows is kept by a browser or a proxy: pages name papers and people,
    and a confidential pack must not outlive its reader's session in a shared computer's cache.
    (Static files are served before this, by WhiteNoise, and may be cached.)"""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        response.headers["Cache-Control"] = "no-store, private"
        return response

    return middleware
