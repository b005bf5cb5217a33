"""How passwords are hashed: Django's argon2 hasher at Django's settings, two at a time at most.

Each password checked takes 100 MiB for a fifth of a second, on two cores or so. The server's eight
threads signing eight people in at once would take 800 MB, beside a LibreOffice of 500 MB, on a
council's small server, and finish no sooner than two at a time: the processor is the limit. So the
hashes wait their turn, and the memory stays near 200 MB, at no cost to their strength.
"""

from __future__ import annotations

import threading

from django.contrib.auth.hashers import Argon2PasswordHasher

AT_ONCE = 2


class Argon2(Argon2PasswordHasher):
    turns = threading.BoundedSemaphore(AT_ONCE)  # one for the process: the server's threads share it

    def encode(self, password: str, salt: str) -> str:
        with self.turns:
            return super().encode(password, salt)

    def verify(self, password: str, encoded: str) -> bool:
        with self.turns:
            return super().verify(password, encoded)
