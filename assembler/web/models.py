"""What the workspace keeps in its database: accounts, the audit log and build jobs.

Meetings, papers and packs are not here: they are the files under papers/ and output/, so the
command line, git and the browser stay interchangeable.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from assembler.audience import Reader

OFFICER, AUTHOR = "officer", "author"
ROLES = [(OFFICER, "Democratic Services officer"), (AUTHOR, "Report author")]


class User(AbstractUser):
    role = models.CharField(max_length=10, choices=ROLES, default=AUTHOR)

    @property
    def reader(self) -> Reader:
        """Who this is, as the access rules in audience.py ask."""
        return Reader(self.username, officer=self.role == OFFICER)


class AuditEntry(models.Model):
    """One thing done: who (by name, which outlives the account), when, to which meeting, what."""

    when = models.DateTimeField(auto_now_add=True, db_index=True)
    who = models.CharField(max_length=150)
    action = models.CharField(max_length=40)
    meeting = models.CharField(max_length=100, blank=True)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-when", "-id"]


class BuildJob(models.Model):
    """A build asked for in the browser, as the worker runs it and reports its progress."""

    QUEUED, RUNNING, BUILT, FAILED = "queued", "running", "built", "failed"
    STATES = [(QUEUED, "Waiting"), (RUNNING, "Building"), (BUILT, "Built"), (FAILED, "Failed")]

    meeting = models.CharField(max_length=100, db_index=True)
    requested_by = models.CharField(max_length=150)
    state = models.CharField(max_length=10, choices=STATES, default=QUEUED)
    stage = models.CharField(max_length=500, blank=True)  # the last progress line
    laid_out = models.PositiveIntegerField(default=0)
    to_lay_out = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list)  # [{"path", "line", "message", "warning", "text"}]
    summary = models.CharField(max_length=500, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    started = models.DateTimeField(null=True)
    finished = models.DateTimeField(null=True)
    worker = models.CharField(max_length=300, blank=True)  # the process running it: "host pid start-time"

    class Meta:
        ordering = ["-created", "-id"]

    @property
    def active(self) -> bool:
        return self.state in (self.QUEUED, self.RUNNING)
