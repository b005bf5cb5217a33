"""Drive a real workspace (`assembler serve` on loopback) with signed-in sessions browsing, and builds.

    .venv/bin/python benchmarks/workspace.py [--sessions 50] [--seconds 60] [--json benchmarks/workspace-results.json]

Each session is a thread with its own connection and cookies. The sessions arrive within --ramp
seconds and sign in through the login form: a figure of its own, as argon2 spends about 0.3 s of
CPU on each sign-in on purpose. Once all have signed in, each browses as a person does for
--seconds, pausing between pages (--think): officers go from the meetings list to a meeting, an
item, its outputs and an upload page; authors from their items to their upload pages. Five
officers also press "Build" on a meeting, spread over the run, and follow the build panel as htmx
does until the build has ended. Prints p50/p95/p99 page latency (overall and per page), requests
per second, every error, and each build's time from queued to built, against the target (p95
under 300 ms with 50 sessions); writes them to a JSON file. Bounded in time; stops the server, its
worker and LibreOffice on the way out, Ctrl-C included. No test asserts these numbers.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import yaml
from run import free_port
from synthetic import make_meeting

HERE = Path(__file__).resolve().parent
MEETINGS = 5
PAGES = [1, 2, 1, 3, 1, 2, 1]  # seven reports a meeting, with Apologies: eight items, about 11 pages of papers
OFFICERS = 15  # the other sessions are authors, each writing one or two of the meetings' papers
BUILDS = 5
TARGET_P95 = 0.300
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
POLL = re.compile(r'hx-get="([^"]*/build/status/\?seen=[^"]*)"')
STATE = re.compile(r'<strong class="govuk-tag[^"]*">([^<]+)</strong>')
ENDED = ("Built", "Failed")


@dataclass(frozen=True)
class Account:
    name: str
    role: str

    @property
    def password(self) -> str:
        return f"{self.name}'s long benchmark passphrase"


@dataclass(frozen=True)
class Hit:
    kind: str
    path: str
    status: int  # 0: no answer at all (refused, reset, timed out)
    seconds: float
    at: float  # when it was asked, by time.monotonic()
    note: str = ""


@dataclass
class Record:
    """What every session saw, shared by their threads."""

    hits: list[Hit] = field(default_factory=list)
    arrived: int = 0  # sessions that have tried to sign in
    built: dict[str, float] = field(default_factory=dict)  # meeting: seconds from pressing Build to "Built"
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, hit: Hit) -> None:
        with self.lock:
            self.hits.append(hit)


# --- the workspace ---------------------------------------------------------------------------------


def accounts(sessions: int) -> list[Account]:
    officers = min(OFFICERS, sessions)
    return ([Account(f"officer{n:02d}", "officer") for n in range(1, officers + 1)]
            + [Account(f"author{n:02d}", "author") for n in range(1, sessions - officers + 1)])


def make_meetings(root: Path, authors: list[Account]) -> list[str]:
    """Meetings of Markdown papers (so that builds are real), each paper assigned to an author, the
    last report exempt; returns their ids."""
    ids, papers = [], 0
    for n in range(1, MEETINGS + 1):
        meeting_id = f"board-{n}-2026-12-{n:02d}"
        folder = make_meeting(root / "papers" / meeting_id, PAGES, pdf_appendices=1, seed=n)
        meeting = yaml.safe_load((folder / "meeting.yaml").read_text(encoding="utf-8"))
        meeting |= {"body": f"Synthetic Board {n}", "date": f"2026-12-{n:02d}",
                    "organisation": "Benchmark Borough Council"}
        for item in meeting["items"]:
            if "paper" in item and authors:
                item["authors"] = [authors[papers % len(authors)].name]
                papers += 1
        meeting["items"][-1] |= {"exempt": 3, "public_title": "A confidential matter."}
        (folder / "meeting.yaml").write_text(yaml.safe_dump(meeting, sort_keys=False), encoding="utf-8")
        ids.append(meeting_id)
    return ids


def add_accounts(root: Path, people: list[Account]) -> None:
    """Every account through the library `assembler users add` calls, in one process rather than
    one a second; the server reads them from the same database."""
    script = ("import json, sys; from pathlib import Path; from assembler.web import setup; setup(Path(sys.argv[1]))\n"
              "from assembler.web import accounts\n"
              "for name, role, password in json.load(sys.stdin): accounts.add(name, role, password)\n")
    given = json.dumps([(a.name, a.role, a.password) for a in people])
    subprocess.run([sys.executable, "-c", script, str(root)], input=given, text=True, check=True, timeout=300)



def family(root: int) -> set[int]:
    """A process and all its descendants (the worker and LibreOffice are serve's)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    found, grown = {root}, True
    while grown:
        more = {pid for pid, parent in parents.items() if parent in found} - found
        grown = bool(more)
        found |= more
    return found


def cpu_seconds(pids: set[int]) -> float:
    """User and system CPU time of these processes so far (those still running)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue
    return total / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def served(root: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """`assembler serve ROOT` on a free loopback port, until the block ends however it ends; then
    serve is stopped, and anything of its family still running (worker, LibreOffice) is killed."""
    port = free_port()
    log = (root / "serve.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "assembler", "serve", str(root), "--port", str(port)],
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                               env=os.environ | {"PYTHONUNBUFFERED": "1"})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                sys.exit("assembler serve did not start:\n" + (root / "serve.log").read_text())
            with contextlib.suppress(OSError):
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/login/")
                if connection.getresponse().status == 200:
                    break
            time.sleep(0.2)
        yield url, process
    finally:
        everyone = family(process.pid)
        process.terminate()  # serve stops its worker, and the worker its LibreOffice
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
        for pid in everyone:  # anything left behind, by the ids noted before serve was stopped
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        process.wait()
        log.close()


# --- a person at a browser -------------------------------------------------------------------------


class Browser:
    """One session: a kept-alive connection and its own cookies, timing every request."""

    def __init__(self, url: str, record: Record) -> None:
        self.url = url
        self.address = urllib.parse.urlsplit(url)
        self.record = record
        self.cookies: dict[str, str] = {}
        self.connection = self._connect()

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.address.hostname or "", self.address.port, timeout=60)

    def request(self, kind: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        """The page's status and text (redirects are not followed: the next page is its own request)."""
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers |= {"Content-Type": "application/x-www-form-urlencoded", "Origin": self.url}
        asked, started = time.monotonic(), time.perf_counter()
        try:
            self.connection.request("POST" if form is not None else "GET", path, body, headers)
            response = self.connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as exc:
            self.record.add(Hit(kind, path, 0, time.perf_counter() - started, asked, f"{type(exc).__name__}: {exc}"))
            self.connection.close()
            self.connection = self._connect()
            return 0, ""
        seconds = time.perf_counter() - started
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        failed = not 200 <= response.status < 400
        self.record.add(Hit(kind, path, response.status, seconds, asked, _gist(text) if failed else ""))
        return response.status, text

    def sign_in(self, account: Account) -> bool:
        _, page = self.request("login page", "/login/")
        token = TOKEN.search(page)
        if not token:
            return False
        status, _ = self.request("sign in", "/login/", {"csrfmiddlewaretoken": token.group(1),
                                                       "username": account.name, "password": account.password,
                                                       "next": ""})
        if status != 302:
            return False
        self.request("first page", "/")  # where signing in leads
        return True


def _gist(text: str) -> str:
    """A failed page's title, to say what went wrong in one line."""
    found = re.search(r"<title>(.*?)</title>", text, re.S)
    return " ".join((found.group(1) if found else text[:120]).split())


@dataclass
class Plan:
    """What the sessions share: the meetings, each author's items, when each build is pressed, and
    when browsing begins (once every session has signed in) and ends."""

    meetings: list[str]
    items: dict[str, list[tuple[str, int]]]  # author: (meeting, position) of the papers they write
    builds: dict[str, tuple[str, float]]  # officer: (meeting, seconds into browsing to press Build)
    think: tuple[float, float]
    go: threading.Event = field(default_factory=threading.Event)
    begins: float = 0.0  # by time.monotonic(), set before go
    ends: float = 0.0
    build_deadline: float = 0.0  # builders stop waiting for their build


def pause(plan: Plan, rng: random.Random, stop: threading.Event) -> None:
    stop.wait(rng.uniform(*plan.think))


def browsing(plan: Plan, stop: threading.Event) -> bool:
    return time.monotonic() < plan.ends and not stop.is_set()


def officer(browser: Browser, account: Account, plan: Plan, rng: random.Random, stop: threading.Event) -> None:
    build = plan.builds.get(account.name)
    while browsing(plan, stop):
        meeting = rng.choice(plan.meetings)
        position = rng.randint(2, len(PAGES) + 1)  # the reports: items 2 onwards
        for kind, path in (("meetings list", "/"), ("meeting", f"/meetings/{meeting}/"),
                           ("item", f"/meetings/{meeting}/items/{position}/"),
                           ("outputs", f"/meetings/{meeting}/outputs/"),
                           ("upload", f"/meetings/{meeting}/items/{position}/upload/")):
            if build and time.monotonic() >= plan.begins + build[1]:
                follow_build(browser, build[0], plan, stop)
                build = None
            if not browsing(plan, stop):
                return
            browser.request(kind, path)
            pause(plan, rng, stop)


def follow_build(browser: Browser, meeting: str, plan: Plan, stop: threading.Event) -> None:
    """Press Build on the meeting's page and watch its panel, polling once a second as htmx does."""
    _, page = browser.request("meeting", f"/meetings/{meeting}/")
    token = TOKEN.search(page)
    pressed = time.monotonic()
    status, _ = browser.request("build", f"/meetings/{meeting}/build/",
                                {"csrfmiddlewaretoken": token.group(1) if token else ""})
    if status != 302:
        return
    _, page = browser.request("meeting", f"/meetings/{meeting}/")
    while time.monotonic() < plan.build_deadline and not stop.is_set():
        state = STATE.search(page, page.find('id="build-status"'))
        if state and state.group(1) in ENDED:
            with browser.record.lock:
                browser.record.built[meeting] = time.monotonic() - pressed
            return
        poll = POLL.search(page)
        if not poll:
            return
        stop.wait(1)
        status, text = browser.request("build status", poll.group(1).replace("&amp;", "&"))
        if status == 200:
            page = text


def author(browser: Browser, account: Account, plan: Plan, rng: random.Random, stop: threading.Event) -> None:
    mine = plan.items.get(account.name, [])
    while browsing(plan, stop):
        browser.request("my items", "/")
        pause(plan, rng, stop)
        for meeting, position in mine:
            if not browsing(plan, stop):
                return
            browser.request("upload", f"/meetings/{meeting}/items/{position}/upload/")
            pause(plan, rng, stop)
            if meeting in browser.record.built and browsing(plan, stop):  # their paper's PDF, once built
                browser.request("outputs", f"/meetings/{meeting}/outputs/")
                pause(plan, rng, stop)


def session(url: str, account: Account, plan: Plan, record: Record, stop: threading.Event, ramp: float,
            seed: int) -> None:
    """Arrive (within ramp seconds of the others) and sign in; once everyone has, browse. Browsing
    is measured apart from signing in, which argon2 makes slow on purpose (about 0.3 s of CPU)."""
    rng = random.Random(seed)
    stop.wait(rng.uniform(0, ramp))
    browser = Browser(url, record)
    try:
        signed_in = not stop.is_set() and browser.sign_in(account)
        with record.lock:
            record.arrived += 1
        plan.go.wait()
        pause(plan, rng, stop)  # reading the first page: not all asking for the next in the same instant
        if signed_in and not stop.is_set():
            (officer if account.role == "officer" else author)(browser, account, plan, rng, stop)
    finally:
        browser.connection.close()


# --- the run ---------------------------------------------------------------------------------------


def items_of(root: Path, meetings: list[str]) -> dict[str, list[tuple[str, int]]]:
    found: dict[str, list[tuple[str, int]]] = {}
    for meeting in meetings:
        listed = yaml.safe_load((root / "papers" / meeting / "meeting.yaml").read_text(encoding="utf-8"))["items"]
        for position, item in enumerate(listed, 1):
            for name in item.get("authors", []):
                found.setdefault(name, []).append((meeting, position))
    return found


def warm_up(url: str, account: Account) -> float:
    """One officer signs in before the run, and so opens the meetings list first: that first look
    checks every meeting (about a second each), after which the answers are kept until a file changes."""
    record = Record()
    browser = Browser(url, record)
    browser.sign_in(account)
    browser.connection.close()
    return next(hit.seconds for hit in record.hits if hit.kind == "first page")


def run(root: Path, args: argparse.Namespace) -> dict[str, Any]:
    people = accounts(args.sessions)
    officers = [a for a in people if a.role == "officer"]
    meetings = make_meetings(root, [a for a in people if a.role == "author"])
    began = time.perf_counter()
    add_accounts(root, people)
    accounts_s = time.perf_counter() - began
    with served(root) as (url, serve):
        warm = warm_up(url, officers[0])
        spacing = args.seconds * 0.6 / BUILDS  # the builds pressed over the first 60% of the run
        plan = Plan(meetings, items_of(root, meetings),
                    {o.name: (meetings[n % len(meetings)], 2 + n * spacing) for n, o in enumerate(officers[:BUILDS])},
                    (args.think * 0.5, args.think * 1.5))
        record, stop = Record(), threading.Event()
        threads = [threading.Thread(target=session, args=(url, a, plan, record, stop, args.ramp, n), daemon=True)
                   for n, a in enumerate(people)]
        arriving = time.monotonic()
        try:
            for thread in threads:
                thread.start()
            while record.arrived < len(people) and time.monotonic() < arriving + args.ramp + 120:
                time.sleep(0.1)
            cpu_before = cpu_seconds({serve.pid}), cpu_seconds(family(serve.pid) - {serve.pid}), os.times()
            plan.begins = time.monotonic()
            plan.ends, plan.build_deadline = plan.begins + args.seconds, plan.begins + args.seconds + args.build_wait
            plan.go.set()
            for thread in threads:
                thread.join()
        finally:
            stop.set()
            plan.go.set()
        elapsed = time.monotonic() - plan.begins
        cpu = {"serve": cpu_seconds({serve.pid}) - cpu_before[0],
               "worker_and_libreoffice": cpu_seconds(family(serve.pid) - {serve.pid}) - cpu_before[1],
               "benchmark_clients": sum(os.times()[:2]) - sum(cpu_before[2][:2])}
        jobs = build_jobs(root)
    return figures(record, jobs, plan, arriving, elapsed, args) | {
        "accounts_seconds": accounts_s, "first_meetings_list_seconds": warm, "cpu_seconds_while_browsing": cpu}


def build_jobs(root: Path) -> list[dict[str, Any]]:
    """Each build's times as the workspace recorded them: queued, started, finished."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(root / "workspace.sqlite3")) as db:
        rows = db.execute("SELECT meeting, state, created, started, finished, summary FROM web_buildjob "
                          "ORDER BY created").fetchall()

    def at(value: str | None) -> float | None:
        from datetime import datetime
        return datetime.fromisoformat(value).timestamp() if value else None

    found = []
    for meeting, state, created, started, finished, summary in rows:
        queued, began, ended = at(created), at(started), at(finished)
        found.append({"meeting": meeting, "state": state, "summary": summary,
                      "waiting_seconds": began - queued if began and queued else None,
                      "queued_to_built_seconds": ended - queued if ended and queued and state == "built" else None})
    return found


def percentiles(seconds: list[float]) -> dict[str, float]:
    if len(seconds) < 2:
        return {"p50": seconds[0], "p95": seconds[0], "p99": seconds[0]} if seconds else {}
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98], "max": max(seconds)}


def timeline(pages: list[Hit], start: float, step: float = 10) -> list[dict[str, float]]:
    """p95 of the pages asked in each step of the run: where in the run the slow ones were."""
    windows: dict[int, list[float]] = {}
    for hit in pages:
        windows.setdefault(int((hit.at - start) // step), []).append(hit.seconds)
    return [{"from_second": n * step, "count": len(seconds), **percentiles(seconds)}
            for n, seconds in sorted(windows.items())]


def failed(hit: Hit) -> bool:
    """An answer other than 2xx or 3xx; or a sign-in that did not lead on (the form shown again)."""
    return not 200 <= hit.status < 400 or (hit.kind == "sign in" and hit.status != 302)


def figures(record: Record, jobs: list[dict[str, Any]], plan: Plan, arriving: float, elapsed: float,
            args: argparse.Namespace) -> dict[str, Any]:
    arrival = [h for h in record.hits if h.at < plan.begins]
    pages = [h for h in record.hits if h.at >= plan.begins]
    errors = Counter((h.kind, h.status, h.path, h.note or "not signed in") for h in record.hits if failed(h))
    for job in jobs:
        job["pressed_to_seen_built_seconds"] = record.built.get(job["meeting"])

    def by_kind(hits: list[Hit]) -> dict[str, dict[str, float]]:
        return {kind: {"count": sum(h.kind == kind for h in hits),
                       **percentiles([h.seconds for h in hits if h.kind == kind])}
                for kind in sorted({h.kind for h in hits})}

    return {
        "sessions": args.sessions, "seconds": args.seconds, "think_seconds": args.think, "ramp_seconds": args.ramp,
        "sign_in": {"seconds": plan.begins - arriving, "by_kind": by_kind(arrival)},
        "elapsed_seconds": elapsed, "requests": len(pages), "requests_per_second": len(pages) / elapsed,
        "pages": {"count": len(pages), **percentiles([h.seconds for h in pages])},
        "by_kind": by_kind(pages),
        "timeline": timeline(pages, plan.begins),
        "errors": sum(errors.values()),
        "error_list": [{"kind": kind, "status": status, "path": path, "note": note, "count": count}
                       for (kind, status, path, note), count in errors.items()],
        "builds": jobs,
    }


def report(m: dict[str, Any]) -> bool:
    met = m["pages"].get("p95", 1e9) < TARGET_P95 and m["errors"] == 0 and len(m["builds"]) == BUILDS and all(
        job["state"] == "built" for job in m["builds"])

    def row(name: str, figures: dict[str, float]) -> str:
        return f"{name:<22} {figures['count']:>6} " + " ".join(
            f"{figures[p] * 1000:6.0f} ms" for p in ("p50", "p95", "p99", "max") if p in figures)

    print(f"Accounts made in {m['accounts_seconds']:.1f} s; the first meetings list (every meeting checked) "
          f"took {m['first_meetings_list_seconds']:.2f} s.")
    print(f"{m['sessions']} sessions signed in over {m['sign_in']['seconds']:.0f} s "
          f"(arriving within {m['ramp_seconds']:.0f} s of each other):")
    header = f"{'':<22} {'count':>6} {'p50':>9} {'p95':>9} {'p99':>9} {'max':>9}"
    print(header)
    for kind, figures in m["sign_in"]["by_kind"].items():
        print(row(kind, figures))
    print(f"then browsed for {m['elapsed_seconds']:.0f} s, pausing about {m['think_seconds']:.1f} s between pages:")
    print(header)
    for kind, figures in m["by_kind"].items():
        print(row(kind, figures))
    print(row("ALL PAGES", m["pages"]))
    print("p95 of the pages asked in each 10 s: " + ", ".join(
        f"{w['from_second']:.0f}s {w['p95'] * 1000:.0f} ms" for w in m["timeline"] if "p95" in w))
    print(f"{m['requests']} requests while browsing, {m['requests_per_second']:.1f} per second; "
          f"{m['errors']} errors in all")
    for error in m["error_list"]:
        print(f"  ERROR {error['count']} x {error['kind']} {error['path']}: "
              f"{error['status'] or 'no answer'} {error['note']}")
    for job in m["builds"]:
        total, seen = job["queued_to_built_seconds"], job["pressed_to_seen_built_seconds"]
        print(f"build {job['meeting']}: {job['state']}, waited {job['waiting_seconds'] or 0:.1f} s in the queue, "
              f"queued to built {f'{total:.1f} s' if total is not None else '-'}, seen built in the browser "
              f"{f'{seen:.1f} s' if seen is not None else '-'} after pressing Build ({job['summary']})")
    print("CPU seconds while browsing: "
          + ", ".join(f"{k} {v:.0f}" for k, v in m["cpu_seconds_while_browsing"].items()))
    sessions = f"{m['sessions']} sessions" + ("" if m["sessions"] == 50 else " (the target is for 50)")
    print(f"p95 page latency {m['pages'].get('p95', 0) * 1000:.0f} ms, target < {TARGET_P95 * 1000:.0f} ms with "
          f"{sessions}, no errors, {BUILDS} builds built: {'met' if met else 'MISSED'}")
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60, help="How long the sessions browse.")
    parser.add_argument("--think", type=float, default=2.0,
                        help="Mean pause between a session's pages, in seconds (uniform, half to one and a half).")
    parser.add_argument("--ramp", type=float, default=5.0, help="Sessions arrive over this many seconds.")
    parser.add_argument("--build-wait", type=float, default=60.0,
                        help="How long builders may wait for their build after browsing ends.")
    parser.add_argument("--json", type=Path, default=HERE / "workspace-results.json")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stopped as by Ctrl-C: the clean-up runs
    try:
        with tempfile.TemporaryDirectory(prefix="assembler-workspace-bench-") as folder:
            measured = run(Path(folder), args)
    except KeyboardInterrupt:
        sys.exit("interrupted: the workspace, its worker and LibreOffice were stopped, and its folder removed")
    met = report(measured)
    measured |= {"cpus": os.cpu_count(), "target_met": met, "date": time.strftime("%Y-%m-%d %H:%M")}
    args.json.write_text(json.dumps(measured, indent=2) + "\n")
    print(f"written to {args.json}")


if __name__ == "__main__":
    main()
