"""``citybrain analyze topics``: what citizens write about (群众所思所想), month by month, and which topics rose."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from citybrain.cli.common import console, err_console, handle_errors, open_database, write_whole
from citybrain.core.errors import InvalidInput

if TYPE_CHECKING:
    from citybrain.analytics.topics import TopicParams
    from citybrain.analytics.topics_io import Corpus


@handle_errors
def command(
    input: Annotated[
        Path | None,
        typer.Option(
            "--input",
            "-i",
            help="附件3-style .xlsx, a canonical case CSV/Parquet with text, or a 附件2-style message CSV "
            "(time, title, detail, label); omit for the live database.",
        ),
    ] = None,
    json_out: Annotated[str, typer.Option("--json", help="Write the topics as JSON here ('-' = stdout).")] = "-",
    topics: Annotated[int, typer.Option("--topics", help="How many topics to find.")] = 12,
    month: Annotated[
        str | None, typer.Option("--month", help="The month judged for rising topics (2019-12); default the last.")
    ] = None,
    history: Annotated[int, typer.Option("--history", help="Months before it that a topic is compared with.")] = 12,
    alpha: Annotated[float, typer.Option("--alpha", help="False-discovery rate of the rising topics.")] = 0.05,
    min_ratio: Annotated[
        float, typer.Option("--min-ratio", help="Least ratio of the month's share to the history's to rise.")
    ] = 1.5,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the factorisation (same seed → same topics).")] = 0,
    days: Annotated[int, typer.Option("--days", help="Without --input: the last DAYS days of cases.")] = 730,
) -> None:
    """Find topics in what citizens wrote (NMF over TF-IDF of jieba terms, boilerplate and place codes left out),
    count them per month, and test the month judged against each topic's own history (quasi-binomial test of
    its share, Benjamini–Hochberg across topics). Every conclusion is explained in Chinese and English
    (docs/topics.md). Reading the live database (no --input) also stores the result as a run of kind "topics",
    which the cockpit's panel 群众所思所想 shows.

    Example:

        citybrain analyze topics --input hot_issues_附件3.xlsx --month 2019-12 --json topics.json
    """
    from citybrain.analytics.topics import TopicParams  # noqa: F811 - the runtime import of the type above
    from citybrain.core import clock
    from citybrain.core.settings import load_settings
    from citybrain.insight import jobs
    from citybrain.insight.topics import load_corpus, topics_record

    settings = load_settings()
    params = TopicParams(topics=topics, seed=seed, month=month, history=history, alpha=alpha, min_ratio=min_ratio)
    try:
        params.check()
    except ValueError as exc:
        raise InvalidInput(
            f"{exc}: give --topics ≥ 2, --history ≥ 1, --alpha in (0, 1), --min-ratio ≥ 1, --month as YYYY-MM"
        ) from None
    if days < 1:
        raise InvalidInput("--days must be ≥ 1")
    if json_out != "-" and not Path(json_out).parent.is_dir():
        raise InvalidInput(f"{Path(json_out).parent}: no such directory")
    run_id: int | None = None
    with err_console.status("reading messages and finding topics …"):
        if input is not None:
            corpus = load_corpus(input, database=None, timezone=settings.timezone)
            document = _analyse(corpus, params)
        else:
            with open_database() as database:
                since = clock.utcnow() - timedelta(days=days)
                corpus = load_corpus(None, database=database, timezone=settings.timezone, since=since)
                document = _analyse(corpus, params)
                run_id = jobs.store(database, topics_record(document))
    if run_id is not None:
        document["params"]["run_id"] = run_id
    _write(document, json_out)
    if json_out != "-":
        _print(document)


def _analyse(corpus: Corpus, params: TopicParams) -> dict[str, Any]:
    from citybrain.insight.topics import analyse

    try:
        _, document = analyse(corpus, params)
    except ValueError as exc:  # a --month outside the messages' months
        raise InvalidInput(str(exc)) from None
    return dict(document)


def _write(document: dict[str, Any], target: str) -> None:
    text = json.dumps(document, ensure_ascii=False, indent=2)
    if target == "-":
        sys.stdout.write(text + "\n")
        return
    write_whole(Path(target), text + "\n")


def _print(document: dict[str, Any]) -> None:
    table = Table("主题 topic", "词语 terms", "留言 msgs", "本月 month", "倍数 ratio", "q", "上升 rising",
                  title=f"群众所思所想 — {document['month']}")  # fmt: skip
    for topic in document["topics"]:
        rise = topic["rise"] or {}
        table.add_row(
            str(topic["topic"]),
            " ".join(topic["terms"][:6]),
            str(topic["size"]),
            str(rise.get("count", "")),
            f"{rise['ratio']:.2f}" if rise else "",
            f"{rise['q_value']:.3g}" if rise else "",
            "↑" if rise.get("rising") else "",
        )
    console.print(table)
    err_console.print(document["summary"]["zh"])
    err_console.print(document["summary"]["en"])
