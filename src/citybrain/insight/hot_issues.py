"""The hot-issue board (热点问题) as a job: open the messages (a file, or the live database with each citizen as a
pseudonymous key), group and rank them (``analytics.hot_issues``), and store the board as a run."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path

from citybrain.analytics import io
from citybrain.analytics.hot_issues import Board, BoardParams, Messages, board_json, build_board
from citybrain.analytics.hot_issues_io import read_messages_view, read_messages_xlsx
from citybrain.cases import repository, voices_repository
from citybrain.core import clock
from citybrain.core.db import Database
from citybrain.core.errors import InvalidInput
from citybrain.insight.service import ResultItem, RunRecord, save
from citybrain.insight.source import open_database

KIND = "hot_issues"


def load_messages(
    path: Path | None, *, database: Database | None, timezone: str, since: datetime | None = None
) -> tuple[Messages, str]:
    """Messages from ``path`` (.xlsx export, canonical .csv/.parquet) or, without it, the live database."""
    if path is not None and path.suffix.lower() in (".xlsx", ".xlsm"):
        messages = read_messages_xlsx(path, timezone=timezone)
        source = str(path)
    else:
        con = io.connect()
        try:
            if path is not None:
                source = io.open_file(con, path, timezone=timezone).source
            elif database is not None:
                aware = since.replace(tzinfo=UTC) if since is not None and since.tzinfo is None else since
                source = open_database(con, database, since=aware, with_text=True).source
            else:
                raise InvalidInput("give --input FILE, or a database to read")
            messages = read_messages_view(con)
        finally:
            con.close()
        if path is None and database is not None:
            engine = messages.engine
            messages = replace(messages, user=citizen_keys(database, messages.id))
            messages = replace(with_comments(messages, database, since), engine=engine)
    if since is not None:
        messages = messages.since(since)
    if path is not None and not len(messages):
        after = f" on or after {since:%Y-%m-%d %H:%M} UTC" if since is not None else ""
        raise InvalidInput(f"{path}: no messages{after} to group")
    return messages, source


def citizen_keys(database: Database, case_ids: Sequence[str]) -> tuple[str, ...]:
    """A pseudonymous key per case for counting distinct citizens (account, else phone digits, else e-mail).

    Only a SHA-256 prefix of the contact is kept, in memory, to tell citizens apart; nothing of it is
    written out. A case without contact data gets "" and counts as a citizen of its own.
    """
    numbers = [int(i) for i in case_ids if i.isdigit()]
    with database.reading() as session:
        contacts = repository.contacts_of(session, numbers)
    keys: dict[int, str] = {}
    for case_id, account, phone, email in contacts:
        who = account or re.sub(r"\D", "", phone or "") or (email or "").lower()
        if who:
            keys[case_id] = hashlib.sha256(who.encode()).hexdigest()[:16]
    return tuple(keys.get(int(i), "") if i.isdigit() else "" for i in case_ids)


def with_comments(messages: Messages, database: Database, since: datetime | None) -> Messages:
    """The messages and, as messages of their own, the portal's approved comments (留言) on countable cases.

    A comment is what a citizen wrote about a published request, so it is grouped like any message: its text with
    its case's title (the subject it answers) and grid, so it normally joins its case's issue and makes it hotter
    by one more voice — or, when it says something else, it may join another issue or stand alone. Its id is
    ``<case id>#<comment id>``; its citizen the pseudonym the portal counted it under. Held and rejected
    comments never count. (A me-too needs nothing here: it is one more like in ``cases.likes``.)
    """
    aware = since.replace(tzinfo=UTC) if since is not None and since.tzinfo is None else since
    with database.reading() as session:
        rows = voices_repository.approved_for_board(session, aware)
    if not rows:
        return messages
    at = [clock.as_utc(r.at).replace(tzinfo=None) for r in rows]
    return Messages.of(
        id=[*messages.id, *(f"{r.case_id}#{r.id}" for r in rows)],
        created_at=[*messages.created_at.astype("datetime64[s]").astype(datetime).tolist(), *at],
        user=[*messages.user, *(f"portal:{r.author}" for r in rows)],
        title=[*messages.title, *(r.title or "" for r in rows)],
        text=[*messages.text, *(r.text for r in rows)],
        likes=[*messages.likes.tolist(), *([0] * len(rows))],
        dislikes=[*messages.dislikes.tolist(), *([0] * len(rows))],
        place=[*messages.place, *(r.grid or "" for r in rows)],
    )


def run_hot_issues(
    database: Database,
    *,
    params: BoardParams | None = None,
    since: datetime | None = None,
    days: int | None = None,
    top: int = 20,
    timezone: str = "Asia/Shanghai",
    now: datetime | None = None,
) -> tuple[Board, int]:
    """Compute the board from the live database and store it as a run of kind ``hot_issues`` (one transaction).

    For a daily job: ``run_hot_issues(db, days=30)`` looks at the last 30 days. Returns the board and the run id.
    """
    now = now or clock.utcnow().replace(tzinfo=None)
    if days is not None:
        since = now - timedelta(days=days)
    messages, source = load_messages(None, database=database, timezone=timezone, since=since)
    board = build_board(messages, params or BoardParams(), now=now, top=top)
    with database.transaction() as session:
        run_id = save(session, board_record(board, source=source, zone=clock.city_zone(timezone)))
    return board, run_id


def board_record(board: Board, *, source: str, zone: tzinfo | None = None) -> RunRecord:
    """The board as a run of kind ``hot_issues``: one item per issue, its messages' case ids as members."""
    document = board_json(board, zone=zone, source=source)
    items = [
        ResultItem(
            key=f"{issue['place']}|{issue['description']}",
            score=issue["heat"],
            payload=issue,
            case_ids=list(dict.fromkeys(_case_id(m["id"]) for m in issue["members"])),
        )
        for issue in document["issues"]
    ]
    summary = {"messages": board.n_messages, "groups": board.n_groups, "shown": len(items)}
    return RunRecord(kind=KIND, source=source, params=document["params"], summary=summary, items=items)


def _case_id(value: str) -> int | str:
    """A member's case: its id, or for a portal comment (``<case id>#<comment id>``) the case it was written on."""
    case = value.split("#", 1)[0]
    return int(case) if case.isdigit() else value
