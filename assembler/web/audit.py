"""Writing the audit log: every change, upload, build and opening of confidential material."""

from __future__ import annotations

from assembler.web.models import AuditEntry


def record(who: str, action: str, meeting: str = "", detail: str = "") -> None:
    AuditEntry.objects.create(who=who, action=action, meeting=meeting, detail=detail[:2000])
