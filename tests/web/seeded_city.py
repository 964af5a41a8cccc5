"""A seeded city for the scope and personal-data scans: Demo City's cases, a few citizens whose personal data we
know (name, mobile, landline, ID card, e-mail, plate, door) written into their cases, and the stored analyses.

Every case's text ends with its own marker (``卷宗K<id>Z``), so a test can tell whose text a response carries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy import select, update

from citybrain.cases import service as case_service
from citybrain.cases.schemas import ContactIn, NewCase
from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.directory import repository as directory_repo
from citybrain.insight import jobs
from citybrain.insight import service as insight_service
from citybrain.models import Case, Department
from citybrain.simulate.load import load_city


@dataclass(frozen=True)
class Citizen:
    name: str
    phone: str
    landline: str
    id_number: str
    email: str
    plate: str
    street: str
    door: str

    def secrets(self) -> tuple[str, ...]:
        """What must never reach a caller without ``see_pii``: the full name, the numbers, the door."""
        return (self.name, self.phone, self.landline.split("-")[1], self.id_number, self.email.split("@")[0],
                self.plate, self.street + self.door)  # fmt: skip


CITIZENS = (
    Citizen("龚思远", "13907311234", "0731-84561234", "430102199001011238", "gongsiyuan@qq.com", "湘A88K21",
            "桃子湖路", "17号3栋2单元501室"),
    Citizen("韦晓岚", "15873125678", "0731-85553377", "11010519491231002X", "weixiaolan@163.com", "湘AD12345",
            "麓山南路", "932号8栋1204室"),
    Citizen("欧立诚", "18692219876", "0731-82227788", "440301198512124519", "oulicheng@126.com", "粤B·7Q8R3",
            "五一大道", "88号2单元302室"),
)  # fmt: skip


@dataclass(frozen=True)
class SeededCity:
    database: Database
    departments: dict[str, int]  # code -> id
    citizen_cases: dict[str, int]  # citizen name -> case id
    run_ids: dict[str, int]  # run kind -> id


def marker(case_id: int) -> str:
    return f"卷宗K{case_id}Z"


def _citizen_text(c: Citizen) -> tuple[str, str]:
    title = f"{c.street}噪音扰民"
    text = (
        f"我叫{c.name}，住{c.street}{c.door}，{c.name[0]}先生家楼下工地夜间施工噪音很大。"
        f"电话{c.phone}，座机{c.landline}，身份证{c.id_number}，邮箱{c.email}，"
        f"施工车辆车牌{c.plate}每晚停在门口。"
    )
    return title, text


def seed_city(database: Database, *, days: int = 30, per_day: int = 40) -> SeededCity:
    now = clock.utcnow() - timedelta(minutes=1)
    with database.transaction() as session:
        load_city(session, seed=3, days=days, cases_per_day=per_day, now=now)
        departments = {d.code: d.id for d in directory_repo.departments(session)}
        owners = list(
            session.scalars(select(Case.department_id).where(Case.department_id.is_not(None)).distinct().limit(3))
        )
        citizen_cases = {}
        for citizen, owner in zip(CITIZENS, owners * len(CITIZENS), strict=False):
            title, text = _citizen_text(citizen)
            data = NewCase(
                channel="web", title=title, text=text, address=f"{citizen.street}{citizen.door}",
                category_code="noise.construction.night",
                contact=ContactIn(name=citizen.name, phone=citizen.phone, email=citizen.email,
                                  id_number=citizen.id_number),
            )  # fmt: skip
            case = case_service.create_case(session=session, data=data, actor="test")
            if case.department_id is None:
                department = session.get(Department, owner)
                assert department is not None
                case_service.dispatch(session=session, case=case, department=department, actor="test")
            citizen_cases[citizen.name] = case.id
        session.flush()
        session.execute(update(Case).values(text=Case.text + "（卷宗K" + sa.cast(Case.id, sa.String) + "Z）"))
    night = jobs.Night(day=clock.city_today(database.settings.timezone), association_days=days, hot_days=days)
    for name in ("hot-issues", "associations", "topics"):
        jobs.run_nightly(name, database, night, lambda _line: None)
    with database.reading() as session:
        run_ids = {run["kind"]: run["id"] for run in insight_service.list_runs(session, kind=None)}
    return SeededCity(database, departments, citizen_cases, run_ids)
