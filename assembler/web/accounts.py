"""Accounts, as `assembler users` manages them: add, list, remove, change a password.

Passwords are hashed with argon2 and checked against Django's password rules; a name or password
that will not do is one line saying why.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError

from assembler.errors import AssemblerError
from assembler.web.audit import record
from assembler.web.models import ROLES, User

BY = "command line"  # who the audit log says did it


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    last_login: str


def _user(name: str) -> User:
    try:
        return User.objects.get(username=name)
    except User.DoesNotExist:
        raise AssemblerError(f"no account '{name}'; 'assembler users list' shows them") from None


def _checked_password(user: User, password: str) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise AssemblerError(f"password for '{user.username}' refused: " + " ".join(exc.messages)) from None


def add(name: str, role: str, password: str) -> None:
    if role not in dict(ROLES):
        raise AssemblerError(f"role '{role}': give officer or author")
    try:
        UnicodeUsernameValidator()(name)
    except ValidationError:
        raise AssemblerError(f"account name '{name}': use letters, digits and @ . + - _ only") from None
    if len(name) > 150 or User.objects.filter(username__iexact=name).exists():
        raise AssemblerError(f"account '{name}' already exists, or the name is longer than 150 characters")
    user = User(username=name, role=role)
    _checked_password(user, password)
    user.set_password(password)
    user.save()
    record(BY, "account added", detail=f"{name} ({role})")


def listed() -> list[Account]:
    return [Account(u.username, u.role, u.last_login.strftime("%Y-%m-%d %H:%M") if u.last_login else "never")
            for u in User.objects.order_by("username")]


def remove(name: str) -> None:
    _user(name).delete()
    record(BY, "account removed", detail=name)


def change_password(name: str, password: str) -> None:
    user = _user(name)
    _checked_password(user, password)
    user.set_password(password)
    user.save()
    record(BY, "password changed", detail=name)
