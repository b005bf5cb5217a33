"""Stage 1: read a meeting folder, check it against the schema, and return a Meeting.

Every problem found is collected, so that the user sees them all at once rather than one per run.
"""

from __future__ import annotations

import datetime
import difflib
import re
import reprlib
import string
import unicodedata
from collections.abc import Set as AbstractSet
from importlib import resources
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, TaggedScalar
from ruamel.yaml.composer import Composer, MaxDepthExceededError
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import CollectionNode
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.resolver import VersionedResolver, implicit_resolvers

from assembler.audience import part_of
from assembler.errors import InvalidSources, Problem, shown
from assembler.model import Contact, Document, House, Item, Kind, Meeting
from assembler.names import MEETING_ID_RULE, NUMBER_RULE, meeting_id_ok, number_key, number_ok, slug
from assembler.runtime.cache import digest, file_digest
from assembler.sources.documents import examine
from assembler.sources.schema import (
    CONTACT,
    HOUSE,
    HOUSE_FILE,
    ITEM,
    MAX_MEETING_BYTES,
    MAX_PAPER_BYTES,
    MAX_TEXT,
    MEETING,
    TEMPLATES,
    Field,
    converted,
    exempt_paragraph,
)

KINDS: tuple[Kind, ...] = ("md", "docx", "pdf")
MAX_LINES = 30_000  # a 100-page report has some 2,000 lines; a 5,000-row table, 5,000
MAX_LINE_CHARS = 20_000  # a long paragraph has some 3,000 characters
MAX_YAML_DEPTH = 20  # a meeting nests four deep (items, an item, its appendices, an appendix)
TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
MERGE_TAG = "tag:yaml.org,2002:merge"
PLAIN_TAGS = {f"tag:yaml.org,2002:{kind}" for kind in ("str", "int", "float", "bool", "null", "timestamp", "seq",
                                                        "map", "merge")}
# Where ruamel.yaml's YAML 1.1 reads more than PyYAML did (y and n as booleans, 1e5 as a number),
# PyYAML's patterns, so that a meeting file means what it always meant.
PYYAML_TYPES: dict[str, tuple[re.Pattern[str], list[str]]] = {
    "tag:yaml.org,2002:bool": (re.compile(r"""^(?:yes|Yes|YES|no|No|NO
        |true|True|TRUE|false|False|FALSE
        |on|On|ON|off|Off|OFF)$""", re.X), list("yYnNtTfFoO")),
    "tag:yaml.org,2002:float": (re.compile(r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
        |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
        |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""", re.X), list("-+0123456789.")),
    "tag:yaml.org,2002:int": (re.compile(r"""^(?:[-+]?0b[0-1_]+
        |[-+]?0[0-7_]+
        |[-+]?(?:0|[1-9][0-9_]*)
        |[-+]?0x[0-9a-fA-F_]+)$""", re.X), list("-+0123456789")),
}
NAMED_APPENDIX = re.compile(r"\bAppendix\s+([A-Z]{1,2}|\d{1,3})\b")  # "Appendix A", "Appendix 12" in a paper's text
QUOTED = re.compile(r"'[^']*'")  # a name or a value, quoted in a message
ADDRESS = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://\S+")  # a web address, or a file's

# The templates shipped with the package, as package data: a wheel installs them with the code.
DEFAULT_TEMPLATES = Path(str(resources.files("assembler") / "templates"))


class Located(dict):
    """A YAML mapping that remembers the line of each key, for messages."""

    line: int = 0
    lines: dict[str, int]


class PyYamlResolver(VersionedResolver):
    """YAML 1.1's implicit types, as meeting files have always been read (by PyYAML): yes/no/on/off
    are true/false and 010 is eight, but y and n are text and 1e5 is text. Unlike PyYAML, a time
    such as 10:00 is text, not a number counted in sixties (600)."""

    @property
    def versioned_resolver(self) -> Any:
        if not self._version_implicit_resolver:
            for versions, tag, regexp, first in implicit_resolvers:
                if (1, 1) in versions:
                    self.add_version_implicit_resolver((1, 1), tag, *PYYAML_TYPES.get(tag, (regexp, first)))
        return self._version_implicit_resolver[(1, 1)]


class _Composer(Composer):
    def compose_node(self, parent: Any, index: Any) -> Any:
        """Refuse aliases before they expand: a kilobyte of them can stand for gigabytes of values."""
        event = self.parser.peek_event()
        if event.anchor is not None:  # an alias ('*a') or an anchor ('&a')
            raise MarkedYAMLError(problem="anchors and aliases ('&a', '*a') are not supported; "
                                          "write the values out", problem_mark=event.start_mark)
        return super().compose_node(parent, index)


class _Constructor(RoundTripConstructor):
    def construct_object(self, node: Any, deep: bool = False) -> Any:
        """A value YAML recognises but Python cannot hold, as one line rather than a traceback; and
        none of YAML's other kinds of value (!!omap, !!set, !!binary…), which a meeting has no use for."""
        if node.tag not in PLAIN_TAGS:
            raise MarkedYAMLError(problem=f"a value tagged '{node.tag.replace('tag:yaml.org,2002:', '!!')}' "
                                          "is not supported; write it as plain text, a list or a mapping",
                                  problem_mark=node.start_mark)
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError) as exc:
            problem = (f"{node.value} is not a date on the calendar" if node.tag == TIMESTAMP_TAG else
                       "a number too long to read; if it is text, put it in quotes")
            raise MarkedYAMLError(problem=problem, problem_mark=node.start_mark) from exc

    # ruamel.yaml's round-trip constructor has this signature, and says so in the same way
    def construct_mapping(self, node: Any, maptyp: Any, deep: bool = False) -> Any:  # type: ignore[override]
        for key_node, _ in node.value:
            if key_node.tag == MERGE_TAG:  # '<<': keys taken from another mapping, out of sight
                raise MarkedYAMLError(problem="merge keys ('<<') are not supported; write the keys out",
                                      problem_mark=key_node.start_mark)
            if isinstance(key_node, CollectionNode):  # "{{ x }}: y" is valid YAML, but no key to look up
                self.construct_object(key_node, deep=True)  # a fault inside it is met first, as it was
                raise MarkedYAMLError(problem="a key in '{ }' or '[ ]'; put it in quotes",
                                      problem_mark=key_node.start_mark)
        return super().construct_mapping(node, maptyp, deep)

    def check_mapping_key(self, node: Any, key_node: Any, mapping: Any, key: Any, value: Any) -> bool:
        if key in mapping:
            raise MarkedYAMLError(problem=f"duplicate key '{key}'", problem_mark=key_node.start_mark)
        return True


def yaml_reader(version: tuple[int, int] | None = (1, 1)) -> YAML:
    """ruamel.yaml's round-trip reader, with the limits above: YAML 1.1 for reading a meeting,
    None (YAML 1.2) for editing one, so that a 'yes' is written back as it was."""
    reader = YAML(typ="rt")
    reader.Composer = _Composer
    reader.Constructor = _Constructor
    if version:
        reader.Resolver = PyYamlResolver
    reader.version = version
    reader.max_depth = MAX_YAML_DEPTH
    reader.preserve_quotes = True  # for an edit; a check reads the values as plain ones
    return reader


class Checker:
    """Collects the problems found in one meeting."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def error(self, path: Path | None, line: int | None, message: str) -> None:
        self.problems.append(Problem(path, line, message))

    def warn(self, path: Path | None, line: int | None, message: str) -> None:
        self.problems.append(Problem(path, line, message, warning=True))

    @property
    def failed(self) -> bool:
        return any(not p.warning for p in self.problems)

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.warning]


def read_text(path: Path, check: Checker, what: str, most: int) -> str | None:
    """The file's text; None, reported, if it is too big to be `what` or is not UTF-8."""
    size = path.stat().st_size
    if size > most:  # looked at before reading: a wrong file may be gigabytes
        check.error(path, 1, f"the file is {size:,} bytes long; {what} can be {most:,} bytes at most: "
                             "check it is the right file")
        return None
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = exc.start + len(data) - len(exc.object)  # the codec counts from after a BOM
        check.error(path, data.count(b"\n", 0, start) + 1, f"not UTF-8 text: byte {start} "
                    f"(0x{data[start]:02x}) cannot be read; save the file as UTF-8")
        return None


def load_yaml(text: str, first_line: int = 1) -> Any:
    """The YAML's values, read with the limits above, as plain Python values with each mapping a
    Located; every fault, whatever the text, is a YAMLError."""
    return _plain(yaml_reader().load(text), first_line)


def _plain(value: Any, first_line: int) -> Any:
    """A round-trip value as a plain one (ruamel's own types keep the text's layout, which only an
    edit needs), each mapping a Located with the file line of each key."""
    if isinstance(value, CommentedMap):
        mapping = Located((_plain(k, first_line), _plain(v, first_line)) for k, v in value.items())
        mapping.line = value.lc.line + first_line
        mapping.lines = {str(k): value.lc.key(k)[0] + first_line for k in value}
        return mapping
    if isinstance(value, (list, tuple)):
        return [_plain(v, first_line) for v in value]
    if isinstance(value, AbstractSet):
        return {_plain(v, first_line) for v in value}
    if isinstance(value, datetime.datetime):
        return datetime.datetime.fromisoformat(value.isoformat())
    if isinstance(value, TaggedScalar):  # '!!str B': the text, as it would be untagged
        return str(value.value)
    return next((kind(value) for kind in (bool, int, float, str) if isinstance(value, kind)), value)


def parse_yaml(text: str, path: Path, check: Checker, first_line: int = 1) -> Any:
    try:
        return load_yaml(text, first_line)
    except ReaderError as exc:
        line = text.count("\n", 0, exc.position) + first_line
        col = exc.position - text.rfind("\n", 0, exc.position)
        check.error(path, line, f"YAML, column {col}: a control character (#x{exc.character:02X}) "
                                "that YAML does not allow; delete it")
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + first_line if mark else first_line
        col = f", column {mark.column + 1}" if mark else ""
        check.error(path, line, f"YAML{col}: {_yaml_problem(exc)}")
    except YAMLError as exc:
        check.error(path, first_line, f"YAML: {exc}")
    return None


def _yaml_problem(exc: MarkedYAMLError) -> str:
    """The YAML reader's words for a fault, or plainer ones where a user would not know them."""
    problem = str(exc.problem)
    if isinstance(exc, MaxDepthExceededError):  # ruamel.yaml composes and constructs by recursion
        return (f"lists and mappings nested more than {MAX_YAML_DEPTH} deep are not supported; "
                "check the brackets and the indentation")
    if "'\\t'" in problem:
        return "a tab character; use spaces instead"
    if problem.startswith("mapping values are not allowed"):
        return "a ': ' inside a value; put the value in quotes"
    if problem.startswith("expected <block end>"):
        return "the indentation does not line up with the lines above"
    return problem


def check_fields(data: Any, fields: tuple[Field, ...], path: Path, check: Checker,
                 what: str, line: int) -> bool:
    """Check a mapping against its fields; False if it is not a mapping at all."""
    if not isinstance(data, dict):
        check.error(path, line, f"{what}: expected a mapping of 'key: value' lines")
        return False
    known = {f.name: f for f in fields}
    lines = getattr(data, "lines", {})
    for key in data:
        if key not in known and _means_exempt(key):
            check.error(path, lines.get(str(key), line), f"{what}: unknown key '{key}'; only an item in "
                        "meeting.yaml can be exempt, with 'exempt:' spelt so: as it is, its papers would "
                        "be published")
        elif key not in known:
            near = difflib.get_close_matches(str(key), known, n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            check.warn(path, lines.get(str(key), line), f"{what}: unknown key '{key}'{hint}")
    for f in fields:
        value = data.get(f.name)
        at = lines.get(f.name, line)
        if value is None:
            if f.required:
                check.error(path, line, f"{what}: '{f.name}' is required")
        elif not f.accepts(value):
            check.error(path, at, f"{what}: '{f.name}' should be {f.expected}, not {_given(value)}")
        elif isinstance(value, str) and not _encodable(value):
            check.error(path, at, f"{what}: '{f.name}' holds a character that is not text (a lone "
                                  "surrogate, from a damaged copy and paste); type the value again")
        elif isinstance(value, str) and len(value) > MAX_TEXT:
            check.error(path, at, f"{what}: '{f.name}' is {len(value):,} characters long; "
                                  f"shorten it to {MAX_TEXT:,} at most")
        elif f.entries:
            entries = value if isinstance(value, list) else [value]
            for n, entry in enumerate(entries, 1):
                where = f"{what}: {f.name}" + (f" entry {n}" if isinstance(value, list) else "")
                check_fields(entry, f.entries, path, check, where, getattr(entry, "line", at))
    return True


def _means_exempt(key: object) -> bool:
    """An unknown key that looks meant as 'exempt' ('Exempt', 'exmept'): passing over it as a
    misspelling would publish what its author meant to keep private."""
    return bool(difflib.get_close_matches(str(key).lower(), ["exempt"], n=1, cutoff=0.7))


def _given(value: object) -> str:
    """A value as a message quotes it, cut short by reprlib (it may be a whole pasted page)."""
    if isinstance(value, datetime.date):  # a date and time: as written, not as Python's repr
        return value.isoformat(sep=" ") if isinstance(value, datetime.datetime) else value.isoformat()
    return reprlib.repr(value)


def _visible(text: str) -> bool:
    """Whether text shows anything when printed: not spaces, nor zero-width or control characters."""
    return any(not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Cc", "Zs") for ch in text)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """(front matter, body, the line the body starts on). No opening '---' means no front matter."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return None, text, 1
    for n, line in enumerate(lines[1:], 1):
        if line.strip() in ("---", "..."):
            return "".join(lines[1:n]), "".join(lines[n + 1:]), n + 2
    return "".join(lines[1:]), "", len(lines) + 1


def available_templates(folder: Path) -> list[str]:
    if not _is_folder(folder):  # 'templates:' named no folder: already reported
        return []
    return sorted(p.stem for p in folder.glob("*.docx") if not p.name.startswith("~$"))


def template_files(folder: Path) -> list[Path]:
    """Every file of a templates folder that decides a pack: its templates and its house conventions."""
    return sorted([*folder.glob("*.docx"), *folder.glob(HOUSE_FILE)])


def within(folder: Path, name: str, path: Path, line: int, check: Checker, beside: Path | None = None) -> bool:
    """Whether a file a source names (in the folder beside, or else the meeting folder) stays inside
    the meeting folder, by its name and, if it is a link, by where the link goes."""
    if "\0" in name or not name.strip() or Path(name) == Path("."):
        check.error(path, line, f"'{name}': not the name of a file; name a file in the meeting folder")
        return False
    target = (beside or folder) / name
    if Path(name).is_absolute() or ".." in Path(name).parts:
        check.error(path, line, f"'{name}': name a file inside the meeting folder, not a path out of it")
        return False
    try:
        leaves = folder.resolve() not in target.resolve().parents
    except (RuntimeError, OSError):  # links that go round in a loop: no file at the end of them
        check.error(path, line, f"'{name}': a link that leads round in a loop, to no file")
        return False
    if leaves:
        check.error(path, line, f"'{name}': a link that leaves the meeting folder")
        return False
    return True


def _inside(folder: Path, name: str, path: Path, line: int, check: Checker, exempt: bool) -> Path | None:
    """The file a source names, if it exists, stays inside the meeting folder and can be used."""
    target = (folder / name)
    if not within(folder, name, path, line, check):
        return None
    if not _exists(target):
        check.error(path, line, f"'{name}': no such file in {folder.name}/")
        return None
    if not target.is_file():
        check.error(path, line, f"'{name}': not a regular file")
        return None
    kind = target.suffix.lower().lstrip(".")
    if kind not in KINDS:
        check.error(path, line, f"'{name}': a {target.suffix or 'nameless'} file; "
                                "papers and appendices are .md, .docx or .pdf")
        return None
    found = examine(target, kind)
    if found.problem:
        check.error(path, line, f"'{name}': {found.problem}")
        return None
    if found.repaired:
        check.warn(path, line, f"'{name}': the PDF is damaged; it was repaired and included, but check "
                               "its pages in the pack, or ask for the file again")
    if kind == "docx":
        from assembler.sources.sanitise import outside_links  # lxml: loaded only for meetings with Word files

        for link in outside_links(target):
            check.warn(path, line, f"'{name}': {link}; it was left out, since a build fetches nothing "
                                   "from the network or from other files")
    if found.attached:
        check.warn(path, line, f"'{name}': holds attached files; they were left out of the pack")
    if found.untagged:
        check.warn(path, line, f"'{name}': the PDF is not tagged, so screen readers cannot follow it; it was "
                               "included as it is: ask its author for an accessible (tagged) PDF")
    if kind == "docx":
        _out_of_sight(target, f"'{name}'", (path, line), check, exempt)
    return target


def _out_of_sight(target: Path, name: str, where: tuple[Path, int], check: Checker, exempt: bool) -> None:
    """Report what a partner's Word file holds out of sight (hidden.py). What would be published is an
    error, since removing it would publish what nobody approved; an exempt paper is never published."""
    from assembler.sources.hidden import word_hidden  # the XML library: only for meetings with Word files

    found = word_hidden(target)
    for finding in found.findings:
        they = "they" if finding.plural else "it"
        if exempt:
            check.warn(*where, f"{name}: holds {finding.what}; {finding.fix} and save it again "
                               "before the paper is made public")
        else:
            check.error(*where, f"{name}: holds {finding.what}; {finding.fix} and save it again: "
                                f"{they} would be published with it")
    if found.people:
        check.warn(*where, f"{name}: its properties name people ({', '.join(found.people)}); "
                           "the names were taken out of the copies the build makes")


def appendix_labels(entries: list[dict]) -> list[str]:
    letters = string.ascii_uppercase
    return [str(e.get("label") or f"Appendix {letters[n % 26] * (n // 26 + 1)}")
            for n, e in enumerate(entries)]


class MeetingLoader:
    def __init__(self, folder: Path):
        self.folder = folder
        self.check = Checker()
        self.templates = DEFAULT_TEMPLATES
        self.house: dict[str, Any] = {}  # the templates' house.yaml's conventions

    def load(self) -> tuple[Meeting | None, list[Problem]]:
        self._check_id()
        data, path = self._meeting_data()
        items = self._items(data, path) if data is not None else ()
        if data is None or self.check.failed:
            return None, self.check.problems
        return self._meeting(data, items), self.check.problems

    def load_paper(self, source: Path) -> tuple[Meeting | None, list[Problem]]:
        """The meeting with only the item whose paper is source: other items' problems are not looked at."""
        self._check_id()
        data, path = self._meeting_data()
        if data is None:
            return None, self.check.problems
        entries = [(n, e) for n, e in enumerate(data.get("items") or [], 1)
                   if isinstance(e, Located) and isinstance(e.get("paper"), str)
                   and (self.folder / e["paper"]).resolve() == source.resolve()]
        if not entries:
            self.check.error(source, None, f"not the paper of any item in {shown(path)}; add it with "
                                           f"'assembler new paper', or render the paper it belongs to")
            return None, self.check.problems
        n, entry = entries[0]
        item = self._item(entry, n, path, entry.line)
        if item is not None:
            self._shared_with_exempt([(n, entry.line, item), *self._exempt_items(data, path, n)], path)
        if item is None or self.check.failed:
            return None, self.check.problems
        return self._meeting(data, (item,)), self.check.problems

    def _exempt_items(self, data: Located, path: Path, skip: int) -> list[tuple[int, int, Item]]:
        """The meeting's other exempt items, as far as they can be read, so that a preview of a public
        paper cannot show one of their files. Their own problems are not the preview's."""
        other = MeetingLoader(self.folder)
        other.templates = self.templates
        found = []
        for n, entry in enumerate(data.get("items") or [], 1):
            if n != skip and isinstance(entry, Located) and entry.get("exempt") is not None:
                item = other._item(entry, n, path, entry.line)
                found += [(n, entry.line, item)] if item else []
        return found

    def _check_id(self) -> None:
        """The folder's name is the meeting's id, and names its output folder."""
        name = self.folder.resolve().name
        if not meeting_id_ok(name):
            self.check.error(self.folder, None, f"the folder's name should be {MEETING_ID_RULE}, not "
                             f"{reprlib.repr(name)}, as it names the output folder; rename the folder")

    def _meeting_data(self) -> tuple[Located | None, Path]:
        """meeting.yaml read and checked, but not its items; None if it cannot be used."""
        path = self.folder / "meeting.yaml"
        if not path.is_file():
            found = "no meeting.yaml in this folder" if self.folder.is_dir() else "no such folder"
            self.check.error(self.folder, None, found)
            return None, path
        text = read_text(path, self.check, "a meeting.yaml", MAX_MEETING_BYTES)
        data = parse_yaml(text, path, self.check) if text is not None else None
        if data is None or not check_fields(data, MEETING, path, self.check, "meeting", 1):
            if data is None and not self.check.problems:
                self.check.error(path, 1, "meeting: the file is empty")
            return None, path
        named = str(data.get("templates") or "")
        if named:
            folder = self.folder / named
            # a NUL names no folder, and resolving a name that holds one would raise
            self.templates = folder.resolve() if "\0" not in named else folder
            if not _is_folder(self.templates):
                self.check.error(path, data.lines["templates"],
                                 f"templates: no folder '{data['templates']}'")
        self.house = self._house_file()
        return data, path

    def _house_file(self) -> dict[str, Any]:
        """The conventions the templates folder's house.yaml gives, checked; {} if it has none."""
        path = self.templates / HOUSE_FILE
        if not _is_folder(self.templates) or not path.is_file():
            return {}
        text = read_text(path, self.check, f"a {HOUSE_FILE}", MAX_MEETING_BYTES)
        data = parse_yaml(text, path, self.check) if text is not None else None
        if data is None:  # empty, or a fault already reported: today's conventions
            return {}
        return _given_values(data, HOUSE) if check_fields(data, HOUSE, path, self.check, "house", 1) else {}

    def _meeting(self, data: Located, items: tuple[Item, ...]) -> Meeting:
        values = converted(data, MEETING)
        contact = converted(data["contact"], CONTACT) if data.get("contact") else None  # other keys were warned of
        # The meeting's own conventions over the house's, key by key
        house = self.house | (_given_values(data["house"], HOUSE) if data.get("house") else {})
        return Meeting(
            folder=self.folder, body=values["body"], date=values["date"], items=items, templates=self.templates,
            time=values["time"], venue=values["venue"], organisation=values["organisation"],
            contact=Contact(**contact) if contact else None, house=House(**house))

    def _items(self, data: Located, path: Path) -> tuple[Item, ...]:
        entries = data.get("items")
        if not isinstance(entries, list):
            return ()
        if not entries:
            self.check.error(path, data.lines["items"], "items: the agenda has no items")
        items, placed = [], []
        seen: dict[str, tuple[int, str]] = {}
        for n, entry in enumerate(entries, 1):
            line = getattr(entry, "line", data.lines["items"])
            item = self._item(entry, n, path, line)
            if item is None:
                continue
            key = number_key(item.number)  # '02' and '2' would name the same files
            if key in seen:
                first, number = seen[key]
                written = "" if number == item.number else f" (as {number})"
                self.check.error(path, line, f"item {n}: number {item.number} is already used "
                                             f"by item {first}{written}")
            seen[key] = (n, item.number)
            items.append(item)
            placed.append((n, line, item))
        self._shared_with_exempt(placed, path)
        return tuple(items)

    def _shared_with_exempt(self, placed: list[tuple[int, int, Item]], path: Path) -> None:
        """A file that an exempt item and a public item both use would be published by the public one.

        Files are compared by content, so that a copy under another name is caught as well, and a
        Markdown copy whatever its line endings, byte-order mark or trailing spaces.
        """
        secret = {_content(doc): (n, doc.source)
                  for n, _, item in placed if item.exempt for doc in item.documents}
        if not secret:  # no exempt paper: no public one need be read again to compare
            return
        for n, line, item in placed:
            for doc in () if item.exempt else item.documents:
                if (found := secret.get(_content(doc))) is not None:
                    exempt_n, source = found
                    same = "is" if source == doc.source else f"holds the same as '{_named(source, self.folder)}',"
                    self.check.error(path, line, (
                        f"item {n}: '{_named(doc.source, self.folder)}' {same} a paper of exempt item "
                        f"{exempt_n}, so it would be published; give item {n} a file of its own"))

    def _item(self, entry: Located, n: int, path: Path, line: int) -> Item | None:
        if not check_fields(entry, ITEM, path, self.check, f"item {n}", line):
            return None
        if entry.get("paper") and entry.get("verbal"):
            self.check.error(path, line, f"item {n}: has both a paper and 'verbal: true'; choose one")
        found = len(self.check.problems)
        paper, appendices = self._paper(entry, path, n)
        if entry.get("exempt") is not None:
            self._unnamed(found, (paper, *appendices) if paper else (), path, n, line)
        values = converted(entry, ITEM)
        return Item(number=self._number(entry, path, n, line), title=values["title"], presenter=values["presenter"],
                    text=values["text"], verbal=values["verbal"], paper=paper, appendices=appendices,
                    exempt=self._exempt(entry, path, n),
                    public_title=self._public_title(entry, values, path, n),
                    supplement=self._supplement(entry, values, path, n), authors=values["authors"])

    def _unnamed(self, found: int, documents: tuple[Document, ...], path: Path, n: int, line: int) -> None:
        """Warnings about an exempt item's files, from the found'th problem on, told against the item's
        line without the files' names: a build that succeeds prints its warnings, and its output may
        be read by people who may see only what is public. (Errors keep the names: the build stops
        until the officer has found and mended the file.)"""
        problems = self.check.problems
        problems[found:] = [_unnamed(p, documents, self.folder, Problem(path, line, f"item {n} (exempt)"))
                            if p.warning else p for p in problems[found:]]

    def _number(self, entry: Located, path: Path, n: int, line: int) -> str:
        """The item's number, which names its files: checked to be safe as part of a file name."""
        number = str(entry.get("number", n)).strip()
        if not number_ok(number):
            self.check.error(path, entry.lines.get("number", line), f"item {n}: 'number' should be "
                             f"{NUMBER_RULE}, not {reprlib.repr(number)}, as it names the item's files")
        return number

    def _exempt(self, entry: Located, path: Path, n: int) -> int | None:
        """The exempt paragraph, 1 to 7, given as a number or as text such as "3"."""
        value = entry.get("exempt")
        if value is None and "exempt" in entry:  # 'exempt:' with nothing after it
            self.check.error(path, entry.lines["exempt"], f"item {n}: 'exempt' is blank; give the paragraph "
                             "of Part 1 of Schedule 12A that applies, 1 to 7, or delete the line")
            return None
        if value is None:
            if entry.get("public_title") is not None:  # its author meant it to be exempt, it seems
                self.check.error(path, entry.lines["public_title"], f"item {n}: 'public_title' is used "
                                 "only with 'exempt'; add 'exempt:' with its paragraph, or delete it")
            return None
        paragraph = exempt_paragraph(value)
        if paragraph is None:
            self.check.error(path, entry.lines["exempt"], f"item {n}: 'exempt' should be the paragraph "
                             f"of Part 1 of Schedule 12A that applies, 1 to 7, not {value!r}")
        return paragraph

    def _public_title(self, entry: Located, values: dict[str, Any], path: Path, n: int) -> str:
        """The title the public sees. Given but blank, it would leave the confidential title showing."""
        title: str = values["public_title"]
        if entry.get("exempt") is not None and "public_title" in entry and not _visible(title):
            self.check.error(path, entry.lines["public_title"], f"item {n}: 'public_title' is blank; give "
                             "the title the public may see, or delete the line to show 'title' in public")
        return title

    def _supplement(self, entry: Located, values: dict[str, Any], path: Path, n: int) -> int | None:
        value: int | None = values["supplement"]
        if value is None:
            return None  # absent, or already reported by the schema check
        if value < 1:
            self.check.error(path, entry.lines["supplement"], f"item {n}: 'supplement' should be "
                             f"1 or more, not {value}")
            return None
        return value

    def _paper(self, entry: Located, path: Path, n: int) -> tuple[Document | None, tuple[Document, ...]]:
        name = entry.get("paper")
        if not isinstance(name, str):
            if entry.get("appendices"):
                self.check.error(path, entry.lines["appendices"], f"item {n}: appendices without a paper")
            return None, ()
        exempt = entry.get("exempt") is not None  # never published: what it holds out of sight is only warned of
        source = _inside(self.folder, name, path, entry.lines["paper"], self.check, exempt)
        if source is None:
            return None, ()
        paper = self._document(source, str(entry.get("title", "")), "", "report")
        if paper is None:
            return None, ()
        if paper.kind == "md":
            listed, listed_in, at = paper.front_matter.get("appendices") or [], source, paper.front_matter
            if entry.get("appendices"):
                self.check.error(path, entry.lines["appendices"], f"item {n}: list the appendices of a "
                                 f"Markdown paper in its front matter, not in meeting.yaml")
        else:
            listed, listed_in, at = entry.get("appendices") or [], path, entry
        appendices = self._appendices(listed, listed_in, getattr(at, "lines", {}).get("appendices", 1), exempt)
        if paper.kind == "md" and isinstance(listed, list):
            self._appendices_named(paper, appendix_labels([e for e in listed if isinstance(e, dict)]))
        return paper, appendices

    def _appendices_named(self, paper: Document, labels: list[str]) -> None:
        """Warn of each appendix a paper's text names that is not among its appendices: "Appendix 1"
        in the text when they are lettered A, B would send the reader to the wrong one."""
        warned = set()
        for found in NAMED_APPENDIX.finditer(paper.body):
            named = f"Appendix {found.group(1)}"
            if named in labels or named in warned:
                continue
            warned.add(named)
            line = paper.body_line + paper.body.count("\n", 0, found.start())
            have = ", ".join(f"'{label}'" for label in labels) or "none"
            self.check.warn(paper.source, line, f"the text names '{named}', which is not among the appendices the "
                                                f"paper lists ({have}); correct the text or the label of the appendix")

    def _appendices(self, listed: object, path: Path, line: int, exempt: bool) -> tuple[Document, ...]:
        if not isinstance(listed, list) or not all(isinstance(e, dict) for e in listed):
            return ()  # already reported by the schema check
        found = []
        names: dict[str, str] = {}
        for entry, label in zip(listed, appendix_labels(listed)):
            at = getattr(entry, "line", line)
            name = slug(label)  # the appendix's file names end with this
            if name in names:
                self.check.error(path, at, f"appendix '{label}' would have the same file name as "
                                           f"'{names[name]}'; give each appendix its own label")
            names[name] = label
            if not isinstance(entry.get("file"), str):
                continue
            source = _inside(self.folder, entry["file"], path, at, self.check, exempt)
            doc = source and self._document(source, str(entry.get("title", "")), label, "appendix")
            if doc:
                found.append(doc)
        return tuple(found)

    def _document(self, source: Path, title: str, label: str, default: str) -> Document | None:
        kind: Kind = source.suffix.lower().lstrip(".")  # type: ignore[assignment]
        if kind != "md":
            return Document(source=source, kind=kind, title=title, label=label)
        text = read_text(source, self.check, "a Markdown paper", MAX_PAPER_BYTES)
        if text is None:
            return None
        head, body, body_line = split_front_matter(text)
        if not self._in_bounds(source, body, body_line):
            return None
        found = len(self.check.problems)
        front = parse_yaml(head, source, self.check, first_line=2) if head else Located()
        if len(self.check.problems) > found:
            return None  # a YAML error, already reported: checking the fields would only add noise
        if front is None:
            front = Located()
        template = str(front.get("template") or self._default_template(default)) \
            if isinstance(front, dict) else default
        if _is_folder(self.templates) and template not in available_templates(self.templates):
            self.check.error(source, getattr(front, "lines", {}).get("template", 1),
                             f"front matter: no template '{template}'; available: "
                             f"{', '.join(available_templates(self.templates)) or 'none'}")
        fields = TEMPLATES.get(template, TEMPLATES["report"])
        if not check_fields(front, fields, source, self.check, "front matter", 1):
            return None
        self._pictures(source, body, body_line)
        return Document(source=source, kind="md", title=str(front.get("title") or title), label=label,
                        template=template, front_matter=dict(front), body=body, body_line=body_line)

    def _pictures(self, source: Path, body: str, body_line: int) -> None:
        """Check that the pictures a body shows stay inside the meeting folder (a missing one is
        reported when rendering). The body is parsed only when it may show one: a build with
        nothing to do need not load the Markdown parser."""
        if "![" not in body:
            return
        from assembler.render.body import picture_places

        for name, offset in picture_places(body):
            within(self.folder, name, source, body_line + offset, self.check, beside=source.parent)

    def _in_bounds(self, source: Path, body: str, first_line: int) -> bool:
        """Whether a paper's body has few and short enough lines to lay out in reasonable time: a line
        of a million characters, or a hundred thousand paragraphs, is a paste or an export gone wrong.
        (The front matter's values have limits of their own.)"""
        lines = body.splitlines()
        if first_line - 1 + len(lines) > MAX_LINES:
            self.check.error(source, MAX_LINES + 1, f"the paper has {first_line - 1 + len(lines):,} lines; a "
                             f"paper can have {MAX_LINES:,} at most: move some of it into an appendix of its own")
            return False
        long = next((n for n, line in enumerate(lines) if len(line) > MAX_LINE_CHARS), None)
        if long is not None:
            self.check.error(source, first_line + long, f"a line of {len(lines[long]):,} characters; a "
                             f"paragraph runs to a few thousand at most ({MAX_LINE_CHARS:,} here): break it up")
        return long is None

    def _default_template(self, name: str) -> str:
        """A Markdown appendix uses the appendix template where there is one, else report."""
        return name if name in available_templates(self.templates) else "report"


def _given_values(data: dict, fields: tuple[Field, ...]) -> dict[str, Any]:
    """The fields data gives a value, converted: those it leaves out keep their defaults."""
    return {f.name: f.convert(data[f.name]) for f in fields if data.get(f.name) is not None}


def _content(doc: Document) -> str:
    """What a document holds, for comparing: a Markdown paper's text as it reads."""
    if doc.kind != "md":
        return file_digest(doc.source)
    text = doc.source.read_bytes().decode("utf-8-sig", "replace").replace("\r\n", "\n").replace("\r", "\n")
    return digest("\n".join(line.rstrip() for line in text.strip().splitlines()))


def _named(path: Path, folder: Path) -> str:
    return str(path.relative_to(folder)) if folder in path.parents else path.name


def _unnamed(problem: Problem, documents: tuple[Document, ...], folder: Path, item: Problem) -> Problem:
    """problem, told as a warning about item, naming the documents only as "its paper", "Appendix A",
    and nothing else it quotes from them: no key, value or web address."""
    message = problem.message
    for doc in documents:
        what = part_of(doc)
        for name in {_named(doc.source, folder), doc.source.name}:
            message = message.replace(f"'{name}'", what)
        if problem.path == doc.source:
            message = f"{what}, line {problem.line or 1}: {message}"
    message = QUOTED.sub("'…'", ADDRESS.sub("an address", message))
    return Problem(item.path, item.line, f"{item.message}: {message}", warning=True)


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # a name too long for the file system names no file either
        return False


def _is_folder(path: Path) -> bool:
    try:
        return path.is_dir()
    except (OSError, ValueError):  # a name too long for the file system is no folder either
        return False


def _loaded(found: tuple[Meeting | None, list[Problem]]) -> tuple[Meeting, list[Problem]]:
    meeting, problems = found
    if meeting is None or any(not p.warning for p in problems):
        raise InvalidSources(problems)
    return meeting, [p for p in problems if p.warning]


def load_meeting(folder: Path) -> tuple[Meeting, list[Problem]]:
    """The meeting and any warnings; raises InvalidSources listing every error found."""
    return _loaded(MeetingLoader(folder).load())


def load_paper(folder: Path, source: Path) -> tuple[Meeting, list[Problem]]:
    """The meeting in folder holding only the item whose paper is source; raises as load_meeting."""
    return _loaded(MeetingLoader(folder).load_paper(source))
