"""Hypothesis over the query-string parsers: whatever a client sends, the answer is a result or a clear
InvalidInput / NotFound — never another exception (a 500). Pure parsers; no database."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.datastructures import ImmutableMultiDict

from citybrain.cases import kpi_service
from citybrain.cases.repository import words_clause
from citybrain.core.errors import InvalidInput, NotFound
from citybrain.core.settings import Settings
from citybrain.intake.open311.schemas import parse_request_query
from citybrain.sensing.entities import BY_NAME as ENTITIES
from citybrain.sensing.paths import parse_path
from citybrain.sensing.query import from_params
from citybrain.web.guard import query_problem

SETTINGS = Settings()
#: Text as a hostile client writes it: any code point (NUL, surrogates excluded — those cannot arrive decoded),
#: Unicode digits, far dates and huge numbers mixed in.
NASTY = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["0001-01-01", "9999-12-31", "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00", "²", "١٢",
                     "-1", "0", str(2**63), str(2**64), "1e999", "nan", "inf", "open,closed", "", " ", ",", "%00"]),
    st.integers().map(str),
)  # fmt: skip
OPEN311 = ["service_request_id", "service_code", "start_date", "end_date", "status", "page", "page_size", "lang"]


def _refused_cleanly(call: Any) -> None:
    try:
        call()
    except (InvalidInput, NotFound):
        pass


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(OPEN311), NASTY), max_size=6))
def test_open311_get_filters(pairs: list[tuple[str, str]]) -> None:
    _refused_cleanly(lambda: parse_request_query(ImmutableMultiDict(pairs), SETTINGS))


KPI = st.fixed_dictionaries(
    {},
    optional={
        "by": NASTY, "period": st.one_of(NASTY, st.sampled_from(["day", "week", "month"])), "start": NASTY,
        "end": NASTY, "as_of": NASTY, "category_level": st.integers(-5, 5),
    },
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(KPI)
def test_kpi_and_cockpit_filters(params: dict[str, Any]) -> None:
    _refused_cleanly(lambda: kpi_service.parse_query(timezone="Asia/Shanghai", **params))


@settings(max_examples=300, deadline=None)
@given(NASTY)
def test_desk_search_words(words: str) -> None:
    words_clause(words)  # a case number or words: every string is one or the other


STA = st.dictionaries(st.sampled_from(["$top", "$skip", "$count", "$filter", "$orderby", "$select", "$expand"]), NASTY)


@settings(max_examples=300, deadline=None)
@given(STA, st.sampled_from(sorted(ENTITIES)))
def test_sensorthings_query_options(params: dict[str, str], entity: str) -> None:
    _refused_cleanly(lambda: from_params(params, ENTITIES[entity]))


@settings(max_examples=300, deadline=None)
@given(st.one_of(NASTY, NASTY.map(lambda s: f"Things({s})/Datastreams")))
def test_sensorthings_paths(path: str) -> None:
    _refused_cleanly(lambda: parse_path(path))


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=40), st.binary(max_size=60))
def test_the_url_guard_reads_any_bytes(raw_path: bytes, query: bytes) -> None:
    problem = query_problem(b"/" + raw_path, query)
    assert problem is None or "NUL" in problem or "UTF-8" in problem or "surrogate" in problem


@pytest.mark.parametrize("raw", [b"%00", b"a=%00", b"%ff=1", b"q=%C3"])
def test_the_url_guard_names_the_problem(raw: bytes) -> None:
    assert query_problem(b"/", raw) is not None
