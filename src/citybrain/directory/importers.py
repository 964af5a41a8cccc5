"""Import a real three-level taxonomy (e.g. the Teddy Cup 2020 附件1: 一级分类 / 二级分类 / 三级分类) as categories.

Codes are ``t.<h1>.<h2>.<h3>``: each segment is the first 6 hex digits of the SHA-1 of that level's name.
Hashing instead of row numbers keeps a node's code the same when a newer file reorders or adds rows, so
importing again adds only what is new, and dotted-path routing (``t.<h1>`` covers its whole branch) still works.
The whole file is read and checked before anything is written: a bad file writes nothing.
"""

from __future__ import annotations

import csv
import hashlib
import unicodedata
import zipfile
from collections.abc import Callable, Generator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from citybrain.core.errors import CityBrainError, ImportRejected
from citybrain.directory import repository, service
from citybrain.directory.schemas import DepartmentIn
from citybrain.models import Category, Department

COLUMNS = ("一级分类", "二级分类", "三级分类")
CODE_PREFIX = "t"
MAX_NAME = 200
MAX_ERRORS_SHOWN = 5


@dataclass(frozen=True)
class TaxonomyNode:
    code: str
    parent_code: str | None
    level: int
    name_zh: str


@dataclass
class ParsedTaxonomy:
    """The file's tree: nodes in parent-before-child order, and what was seen on the way."""

    rows_read: int = 0
    nodes: dict[str, TaxonomyNode] = field(default_factory=dict)
    names: tuple[set[str], set[str], set[str]] = field(default_factory=lambda: (set(), set(), set()))

    def nodes_per_level(self) -> tuple[int, int, int]:
        counts = [0, 0, 0]
        for node in self.nodes.values():
            counts[node.level - 1] += 1
        return counts[0], counts[1], counts[2]

    def distinct_names_per_level(self) -> tuple[int, int, int]:
        return len(self.names[0]), len(self.names[1]), len(self.names[2])


@dataclass(frozen=True)
class TaxonomyImportReport:
    file: str
    parsed: ParsedTaxonomy
    added: int
    already_present: int


def segment(name: str) -> str:
    """A stable, pinyin-free code segment for one level's name."""
    return hashlib.sha1(unicodedata.normalize("NFKC", name).encode("utf-8")).hexdigest()[:6]


def _clean(value: Any) -> str:
    return "" if value is None else unicodedata.normalize("NFKC", str(value)).strip()


def _rows(path: Path) -> Generator[tuple[Any, ...], None, None]:
    """The first sheet's rows, from openpyxl in read-only mode; any unreadable file becomes ImportRejected."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    if not path.is_file():
        raise ImportRejected(f"{path}: no such file")
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportRejected(f"{path.name}: not a readable .xlsx workbook ({type(exc).__name__}: {exc})") from None
    try:
        yield from workbook.worksheets[0].iter_rows(values_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportRejected(f"{path.name}: the workbook is damaged ({type(exc).__name__}: {exc})") from None
    finally:
        workbook.close()


def _column_positions(header: tuple[Any, ...], name: str) -> list[int]:
    found = [_clean(v) for v in header]
    missing = [c for c in COLUMNS if c not in found]
    if missing:
        shown = ", ".join(f for f in found if f) or "(empty)"
        raise ImportRejected(f"{name}: missing column(s) {', '.join(missing)}; the first row has: {shown}")
    return [found.index(c) for c in COLUMNS]


def _path_of(row: tuple[Any, ...], positions: list[int], line: int) -> list[str]:
    """The row's names from level 1 down; trailing levels may be empty, gaps and over-long names may not."""
    names = [_clean(row[p]) if p < len(row) else "" for p in positions]
    while names and not names[-1]:
        names.pop()
    if "" in names:
        raise ValueError(f"row {line}: a level is empty above a filled one ({' / '.join(n or '∅' for n in names)})")
    if any(len(n) > MAX_NAME for n in names):
        raise ValueError(f"row {line}: a name is longer than {MAX_NAME} characters")
    return names


def _add_path(parsed: ParsedTaxonomy, names: list[str], line: int) -> None:
    parent: str | None = None
    for level, name in enumerate(names, start=1):
        code = f"{parent or CODE_PREFIX}.{segment(name)}"
        node = parsed.nodes.get(code)
        if node is not None and node.name_zh != name:
            raise ValueError(f"row {line}: {name!r} and {node.name_zh!r} hash to the same code {code}")
        if node is None:
            parsed.nodes[code] = TaxonomyNode(code=code, parent_code=parent, level=level, name_zh=name)
        parsed.names[level - 1].add(name)
        parent = code


def read_taxonomy(path: Path, on_row: Callable[[], None] | None = None) -> ParsedTaxonomy:
    """Read and check the whole file without touching the database."""
    parsed, errors = ParsedTaxonomy(), []
    with closing(_rows(path)) as rows:
        header = next(rows, None)
        if header is None or not any(_clean(v) for v in header):
            raise ImportRejected(f"{path.name}: the first row of the first sheet should be the header {COLUMNS}")
        positions = _column_positions(header, path.name)
        for line, row in enumerate(rows, start=2):
            if on_row:
                on_row()
            if not any(_clean(v) for v in row):
                continue
            parsed.rows_read += 1
            try:
                _add_path(parsed, _path_of(row, positions, line), line)
            except ValueError as exc:
                errors.append(str(exc))
    if errors:
        more = f" (and {len(errors) - MAX_ERRORS_SHOWN} more)" if len(errors) > MAX_ERRORS_SHOWN else ""
        raise ImportRejected(f"{path.name}: nothing imported; " + "; ".join(errors[:MAX_ERRORS_SHOWN]) + more)
    if not parsed.nodes:
        raise ImportRejected(f"{path.name}: no taxonomy rows under the header")
    return parsed


def import_taxonomy(*, session: Session, path: Path, on_row: Callable[[], None] | None = None) -> TaxonomyImportReport:
    """Add the file's categories that are not there yet; existing ones (maybe renamed by the city) are kept."""
    parsed = read_taxonomy(path, on_row)
    existing = repository.category_codes(session)
    new = [
        Category(
            code=n.code,
            parent_code=n.parent_code,
            level=n.level,
            name_zh=n.name_zh,
            description=f"imported from {path.name}",
        )
        for n in parsed.nodes.values()
        if n.code not in existing
    ]
    repository.add_all(session, new)
    return TaxonomyImportReport(
        file=path.name, parsed=parsed, added=len(new), already_present=len(parsed.nodes) - len(new)
    )


UNIT_COLUMNS = ("code", "name_zh", "kind", "supervisor")
UNIT_OPTIONAL = ("name_en", "phone")


def read_units(path: Path, validate: Callable[[dict[str, Any]], DepartmentIn]) -> list[DepartmentIn]:
    """The rows of a units CSV (社会协同单位), each checked by ``validate``; any bad row refuses the whole file."""
    if not path.is_file():
        raise ImportRejected(f"{path}: no such file")
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in UNIT_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise ImportRejected(
                    f"{path.name}: missing column(s) {', '.join(missing)}; needs {', '.join(UNIT_COLUMNS)}"
                )
            rows = list(reader)
    except UnicodeDecodeError:
        raise ImportRejected(f"{path.name}: not UTF-8 text; save the CSV as UTF-8") from None
    units: list[DepartmentIn] = []
    errors: list[str] = []
    for line, row in enumerate(rows, start=2):
        fields: dict[str, Any] = {c: _clean(row.get(c)) for c in (*UNIT_COLUMNS, *UNIT_OPTIONAL)}
        fields["supervisor_code"] = fields.pop("supervisor") or None
        try:
            units.append(validate(fields))
        except CityBrainError as exc:
            errors.append(f"row {line}: {exc.message}")
    if errors:
        more = f" (and {len(errors) - MAX_ERRORS_SHOWN} more)" if len(errors) > MAX_ERRORS_SHOWN else ""
        raise ImportRejected(f"{path.name}: nothing imported; " + "; ".join(errors[:MAX_ERRORS_SHOWN]) + more)
    if not units:
        raise ImportRejected(f"{path.name}: no unit rows under the header")
    return units


def import_units(
    *, session: Session, path: Path, validate: Callable[[dict[str, Any]], DepartmentIn]
) -> list[Department]:
    """Add every unit of the file, or none: the first refusal (a code taken, an unknown supervisor) rolls the
    command's one transaction back."""
    added = []
    for line, data in enumerate(read_units(path, validate), start=2):
        try:
            added.append(service.add_department(session=session, data=data))
        except CityBrainError as exc:
            raise ImportRejected(f"{path.name}: nothing imported; row {line}: {exc.message}") from None
    return added
