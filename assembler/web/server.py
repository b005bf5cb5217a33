"""`assembler serve`: the workspace on waitress, a production HTTP server (not Django's runserver)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings

THREADS = 8  # pages are short; a build runs in the worker, not here


def serve(root: Path, host: str, port: int) -> None:
    """Serve the workspace in root until stopped. setup(root) has been called."""
    import waitress

    from assembler.web.wsgi import application

    # behind a reverse proxy on this machine, believe what it says of the client and the scheme
    proxy: dict[str, Any] = {"trusted_proxy": "127.0.0.1",
                             "trusted_proxy_headers": "x-forwarded-for x-forwarded-proto"} if settings.HTTPS else {}
    waitress.serve(application, host=host, port=port, threads=THREADS, ident="assembler",
                   # the largest request: an upload at the limit, with room for the form around it
                   max_request_body_size=settings.UPLOAD_LIMIT + 1024 * 1024,
                   clear_untrusted_proxy_headers=True, **proxy)
