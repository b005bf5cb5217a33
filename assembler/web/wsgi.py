"""The WSGI application that `assembler serve` hands to waitress (and a council's own server could)."""

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()
