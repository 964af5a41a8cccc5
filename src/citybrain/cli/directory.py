"""``citybrain directory``: look at and change the taxonomy, departments, routing rules and SLA classes."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from rich.tree import Tree

from citybrain.cli.common import console, handle_errors, open_database

if TYPE_CHECKING:
    from citybrain.directory.schemas import CategoryOut, DepartmentIn

app = typer.Typer(
    help=(
        "The directory: category taxonomy, departments (承办单位), routing rules (派单规则) and SLA classes.\n\n"
        "Example: `citybrain directory show --section rules`."
    ),
    no_args_is_help=True,
)

SECTIONS = ("categories", "departments", "rules", "sla")


@app.command("show")
@handle_errors
def show(
    section: Annotated[
        list[str] | None,
        typer.Option("--section", "-s", help="What to show (repeatable): categories, departments, rules, sla."),
    ] = None,
    depth: int = typer.Option(3, "--depth", min=1, max=3, help="Category levels to draw (1 = level-1 only)."),
    under: str | None = typer.Option(None, "--under", help="Only the category branch below this code."),
) -> None:
    """Show the directory: the category tree with each node's SLA class, departments, routing rules, SLA classes.

    Example: `citybrain directory show -s categories --under noise` or `citybrain directory show -s rules -s sla`.
    """
    from citybrain.directory import repository, service

    section = section or list(SECTIONS)
    unknown = [s for s in section if s not in SECTIONS]
    if unknown:
        raise typer.BadParameter(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    with open_database() as db, db.transaction() as session:
        if "categories" in section:
            console.print(_category_tree(service.category_tree(session=session), depth, under))
        if "departments" in section:
            table = Table("code", "名称", "name", "phone", "kind", "主管 supervisor", title="Departments 承办单位")
            codes = {d.id: d.code for d in repository.departments(session)}
            for d in repository.departments(session):
                supervisor = codes.get(d.supervisor_id, "") if d.supervisor_id else ""
                table.add_row(d.code, d.name_zh, d.name_en, d.phone, d.kind, supervisor)
            console.print(table)
        if "rules" in section:
            codes = {d.id: d.code for d in repository.departments(session)}
            table = Table("#", "category", "district", "department", "priority", title="Routing rules 派单规则")
            for r in repository.routing_rules(session):
                cells = (r.category_code or "*", r.district_code or "*", codes[r.department_id], str(r.priority))
                table.add_row(str(r.id), *cells)
            console.print(table)
        if "sla" in section:
            table = Table("code", "名称", "签收 accept (h)", "办结 resolve (h)", title="SLA classes 时限")
            for p in repository.sla_policies(session):
                table.add_row(p.code, p.name_zh, f"{p.accept_hours:g}", f"{p.resolve_hours:g}")
            console.print(table)


def _category_tree(roots: list[CategoryOut], depth: int, under: str | None) -> Tree:
    from citybrain.directory import service

    tree = Tree("Categories 分类 (code · 名称 · name · SLA)")

    def add(parent: Tree, node: CategoryOut) -> None:
        sla = node.effective_sla if node.sla_code else f"({node.effective_sla})"
        branch = parent.add(f"[bold]{node.code}[/] · {node.name_zh} · {node.name_en or '—'} · {sla}")
        if node.level < depth or (under and not service.is_within(node.code, under)):
            for child in node.children:
                if not under or service.is_within(child.code, under) or service.is_within(under, child.code):
                    add(branch, child)

    for root in roots:
        if not under or service.is_within(root.code, under) or service.is_within(under, root.code):
            add(tree, root)
    return tree


@app.command("import-taxonomy")
@handle_errors
def import_taxonomy(
    path: Annotated[Path, typer.Argument(help="An .xlsx whose first row has 一级分类, 二级分类, 三级分类.")],
) -> None:
    """Add a three-level taxonomy from a spreadsheet as categories (codes t.<h1>.<h2>.<h3>).

    All or nothing: a file that cannot be read or has a bad row writes nothing. Idempotent: categories already
    present are kept as they are, so a second run adds nothing.

    Example: `citybrain directory import-taxonomy ../shared/data/teddy2020c/taxonomy_附件1.xlsx`.
    """
    from citybrain.directory import importers

    columns = (TextColumn("reading {task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(path.name, total=None)
        with open_database() as db, db.transaction() as session:
            report = importers.import_taxonomy(session=session, path=path, on_row=lambda: progress.advance(task))
    levels = report.parsed.nodes_per_level()
    names = report.parsed.distinct_names_per_level()
    console.print(
        f"{report.file}: {report.parsed.rows_read} rows → {sum(levels)} categories "
        f"(level 1/2/3: {levels[0]}/{levels[1]}/{levels[2]} nodes; {names[0]}/{names[1]}/{names[2]} distinct names)",
        soft_wrap=True,
    )
    console.print(f"added {report.added}, already present {report.already_present}")


@app.command("add-department")
@handle_errors
def add_department(
    code: str = typer.Argument(..., help="Short code, lower case: e.g. street_office_a1."),
    name_zh: str = typer.Argument(..., help="Chinese name, e.g. 'A1区城管执法局'."),
    name_en: str = typer.Option("", "--name-en", help="English name."),
    phone: str = typer.Option("", "--phone", help="Duty phone of the department."),
    kind: str = typer.Option(
        "government", "--kind", help="government, or outside it: enterprise, property, utility, contractor, social."
    ),
    supervisor: str | None = typer.Option(
        None, "--supervisor", help="主管部门: the government department's code (required unless --kind government)."
    ),
) -> None:
    """Add a department (承办单位), or a unit outside government (社会协同单位) under its supervising department,
    that routing rules and dispatchers can send cases to.

    Example: `citybrain directory add-department a1_urban_mgmt 'A1区城管执法局' --name-en 'A1 Urban Management'`;
    `citybrain directory add-department lakeside_pm '湖畔物业' --kind property --supervisor housing`.
    """
    from citybrain.directory import service
    from citybrain.directory.schemas import DepartmentIn

    fields = {"code": code, "name_zh": name_zh, "name_en": name_en, "phone": phone, "kind": kind}
    with open_database() as db, db.transaction() as session:
        data = _validated(DepartmentIn, {**fields, "supervisor_code": supervisor})
        dept = service.add_department(session=session, data=data)
        console.print(f"added department #{dept.id} {dept.code} ({dept.name_zh}, {dept.kind})")


@app.command("import-units")
@handle_errors
def import_units(
    path: Annotated[
        Path, typer.Argument(help="A UTF-8 CSV with columns code,name_zh,kind,supervisor[,name_en,phone].")
    ],
) -> None:
    """Add units outside government (社会协同单位: 物业, 水电气热企业, 施工/养护单位 …) from a CSV file.

    All or nothing: a bad row (unknown kind, unknown or non-government supervisor, a code taken) writes nothing.

    Example: `citybrain directory import-units partners.csv`.
    """
    from citybrain.directory import importers
    from citybrain.directory.schemas import DepartmentIn

    with open_database() as db, db.transaction() as session:
        added = importers.import_units(session=session, path=path, validate=lambda row: _validated(DepartmentIn, row))
    console.print(f"{path.name}: added {len(added)} units ({', '.join(d.code for d in added)})", soft_wrap=True)


@app.command("add-rule")
@handle_errors
def add_rule(
    department: str = typer.Option(..., "--department", help="Department code that gets the cases."),
    category: str | None = typer.Option(None, "--category", help="Category code; covers its whole branch."),
    district: str | None = typer.Option(None, "--district", help="District code; default: every district."),
    priority: int = typer.Option(0, "--priority", help="Tie-break between equally specific rules (higher wins)."),
) -> None:
    """Add a routing rule: cases of CATEGORY (and below) in DISTRICT go to DEPARTMENT.

    The most specific rule wins: a district rule beats a city-wide one, then the deeper category wins.
    Check the effect with `GET /api/v1/route?category=…&district=…`.

    Example: `citybrain directory add-rule --category noise.construction --district A1 --department a1_urban_mgmt`.
    """
    from citybrain.directory import service
    from citybrain.directory.schemas import RoutingRuleIn

    data = RoutingRuleIn(category_code=category, district_code=district, department_code=department, priority=priority)
    with open_database() as db, db.transaction() as session:
        rule = service.add_rule(session=session, data=data)
        console.print(f"added rule #{rule.id}: {category or '*'} × {district or '*'} → {department}")


def _validated(model: type[DepartmentIn], fields: dict[str, Any]) -> DepartmentIn:
    """Pydantic's refusal as our InvalidInput, so the CLI prints one clear line and exits 2."""
    from pydantic import ValidationError

    from citybrain.core.errors import InvalidInput

    try:
        return model(**fields)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise InvalidInput(f"invalid department: {problems}") from None
