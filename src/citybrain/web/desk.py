"""The case desk (受理派单工作台) at ``/desk``: one page for operators, dispatchers, handlers and supervisors.

The page is a thin client of the staff API: it holds the caller's API key in the browser tab (sessionStorage) and
calls ``/api/v1`` with it, so every rule — who may do what, what is masked — stays in the API. The server renders
only the frame and the labels declared once here and in :mod:`citybrain.cases.lifecycle`. Offline: no CDN.

The page asks ``GET /api/v1/me`` (:mod:`citybrain.web.me`) first, to know who signed in and what they may do.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from citybrain.alerts.service import TRANSITIONS as ALERT_TRANSITIONS
from citybrain.cases.lifecycle import STATUS_NAMES, TRANSITIONS
from citybrain.web.pages import templates

router = APIRouter()

#: The English beside each case action's Chinese name (签收 Sign for); a test fails when an action lacks one.
ACTION_EN: dict[str, str] = {
    "dispatch": "Dispatch",
    "accept": "Sign for",
    "reject": "Send back",
    "reassign": "Reassign",
    "start": "Start work",
    "resolve": "Resolve and reply",
    "close": "Close",
    "reopen": "Reopen",
    "merge": "Merge",
    "invalidate": "Mark invalid",
    "remind": "Remind",
    "escalate": "Supervise",
    "note": "Add note",
    "callback": "Call back",
}

#: Alert actions (预警处置) with their Chinese and English names.
ALERT_ACTIONS: dict[str, tuple[str, str]] = {
    "acknowledge": ("确认", "Acknowledge"),
    "snooze": ("暂缓", "Snooze"),
    "close": ("关闭", "Close"),
    "reopen": ("重开", "Reopen"),
}

ALERT_STATUSES: dict[str, tuple[str, str]] = {
    "open": ("待处理", "open"),
    "acknowledged": ("已确认", "acknowledged"),
    "snoozed": ("暂缓中", "snoozed"),
    "closed": ("已关闭", "closed"),
}


def labels() -> dict[str, Any]:
    """What the page's script needs to name things, from the declarations the API itself uses."""
    return {
        "statuses": {s.value: list(names) for s, names in STATUS_NAMES.items()},
        "actions": {a: [t.name_zh, ACTION_EN[a]] for a, t in TRANSITIONS.items()},
        "alert_actions": {
            a: [*ALERT_ACTIONS[a], sorted(sources)] for a, (sources, _target) in ALERT_TRANSITIONS.items()
        },
        "alert_statuses": {s: list(names) for s, names in ALERT_STATUSES.items()},
    }


#: The page holds a key: it runs only its own script, talks only to this server and is never framed.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


@router.get("/desk", response_class=HTMLResponse, include_in_schema=False)
def desk(request: Request) -> HTMLResponse:
    """The frame and its labels; everything else is fetched from ``/api/v1`` with the signed-in key.

    ``zone`` is the city's time zone: the page shows every date on the city's clock, not the browser's.
    """
    page_labels = {**labels(), "zone": request.app.state.settings.timezone}
    return templates.TemplateResponse(request, "desk.html", {"labels": page_labels}, headers=SECURITY_HEADERS)
