"""`assembler users`: accounts made, listed, removed and given new passwords, as a council's
administrator does it from the command line; each mistake is one line."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path


def users(root: Path, *args: str, password: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "assembler", "users", *args, "--root", str(root)],
                          input=password, capture_output=True, text=True, timeout=120)


def stored(root: Path) -> dict[str, tuple[str, str]]:
    with sqlite3.connect(root / "workspace.sqlite3") as db:
        return {name: (role, password) for name, role, password in
                db.execute("select username, role, password from web_user")}


def test_accounts_are_added_listed_changed_and_removed(tmp_path):
    added = users(tmp_path, "add", "jsmith", "--role", "author", "--password-stdin", password="long enough words 42\n")
    assert added.returncode == 0, added.stderr
    assert users(tmp_path, "add", "clerk", "--role", "officer", "--password-stdin",
                 password="another fine passphrase\n").returncode == 0
    accounts = stored(tmp_path)
    assert {name: role for name, (role, _) in accounts.items()} == {"jsmith": "author", "clerk": "officer"}
    assert all(hashed.startswith("argon2$argon2id$") for _, hashed in accounts.values())  # argon2, never the text
    listing = users(tmp_path, "list").stdout.splitlines()
    assert [line.split("\t")[:2] for line in listing] == [["clerk", "officer"], ["jsmith", "author"]]

    before = stored(tmp_path)["jsmith"][1]
    assert users(tmp_path, "passwd", "jsmith", "--password-stdin", password="a new pass phrase 7\n").returncode == 0
    assert stored(tmp_path)["jsmith"][1] != before
    assert users(tmp_path, "remove", "jsmith").returncode == 0
    assert list(stored(tmp_path)) == ["clerk"]
    with sqlite3.connect(tmp_path / "workspace.sqlite3") as db:  # each change is in the audit log
        actions = [row[0] for row in db.execute("select action from web_auditentry order by id")]
    assert actions == ["account added", "account added", "password changed", "account removed"]


def test_each_mistake_is_one_line(tmp_path):
    assert users(tmp_path, "add", "clerk", "--role", "officer", "--password-stdin",
                 password="another fine passphrase\n").returncode == 0
    mistakes = {
        ("add", "x", "--role", "author", "--password-stdin"): ("short1\n", "password for 'x' refused: This password is "
                                                                           "too short"),
        ("add", "CLERK", "--role", "author", "--password-stdin"): ("another fine passphrase\n", "already exists"),
        ("add", "a/b", "--role", "author", "--password-stdin"): ("another fine passphrase\n", "use letters, digits"),
        ("remove", "nobody"): (None, "no account 'nobody'"),
        ("passwd", "clerk", "--password-stdin"): ("password\n", "refused"),
    }
    for args, (password, expected) in mistakes.items():
        result = users(tmp_path, *args, password=password)
        assert result.returncode == 1, args
        assert len(result.stderr.splitlines()) == 1 and expected in result.stderr, (args, result.stderr)
    assert list(stored(tmp_path)) == ["clerk"]


CHECK_EIGHT_AT_ONCE = """
import re, threading
from django.conf import settings
settings.configure()
from django.contrib.auth.hashers import Argon2PasswordHasher
from assembler.web.passwords import Argon2

def peak():  # this process's own peak, in MiB (getrusage's would count the parent's, from before exec)
    with open("/proc/self/status") as status:
        return int(re.search(r"VmHWM:\\s+(\\d+) kB", status.read()).group(1)) // 1024

before = peak()
stored = Argon2PasswordHasher().encode("a long enough pass phrase 9", "saltsaltsaltsalt")
checks = [threading.Thread(target=Argon2().verify, args=("a long enough pass phrase 9", stored)) for _ in range(8)]
for check in checks:
    check.start()
for check in checks:
    check.join()
print(peak() - before)
"""


def test_eight_passwords_checked_at_once_take_the_memory_of_two(tmp_path):
    """Django's argon2 takes 100 MiB a password: the server's eight threads signing eight people in
    at once would take 800 MiB; web/passwords.py has them take turns, two at a time."""
    grown = subprocess.run([sys.executable, "-c", CHECK_EIGHT_AT_ONCE], capture_output=True, text=True, timeout=120)
    assert grown.returncode == 0, grown.stderr
    assert 150 <= int(grown.stdout) <= 260, grown.stdout  # MiB: two hashes' worth, not eight
