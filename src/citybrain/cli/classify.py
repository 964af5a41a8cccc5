"""``citybrain classify``: train, measure and use the message category classifier (分类), offline."""

from __future__ import annotations

import csv
import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from citybrain.cli.common import console, err_console, handle_errors, write_whole
from citybrain.core.errors import InvalidInput

if TYPE_CHECKING:
    from citybrain.nlp.evaluation import Evaluation
    from citybrain.nlp.model import TrainConfig

app = typer.Typer(
    help="Classify citizens' messages by category, trained from the city's own labelled history (no downloads).",
    no_args_is_help=True,
)

InputOpt = Annotated[Path, typer.Option("--input", "-i", help="UTF-8 CSV file with a header row.")]
ModelOpt = Annotated[Path, typer.Option("--model", "-m", help="Model file (.npz).")]
TextCol = Annotated[str, typer.Option("--text-col", help="Column holding the message text.")]
LabelCol = Annotated[str, typer.Option("--label-col", help="Column holding the category label.")]


@app.command("train")
@handle_errors
def train_cmd(
    input: InputOpt,
    model: ModelOpt,
    text_col: TextCol = "text",
    label_col: LabelCol = "label",
    c: Annotated[float, typer.Option("--c", help="SVM regularisation (higher = fits the history closer).")] = 2.0,
    target_accuracy: Annotated[
        float, typer.Option("--target-accuracy", help="Accuracy the auto-dispatch threshold aims for.")
    ] = 0.95,
) -> None:
    """Learn categories from labelled messages and write a model file.

    Labels may be any level of the taxonomy (城乡建设, 城乡建设/物业管理, noise.construction.night): the model
    learns whichever it is given. Rows without text or label are skipped and counted.

    Example:

        citybrain classify train --input messages_train_full.csv --text-col text --label-col label --model cat.npz
    """
    from citybrain.nlp.dataset import read_columns
    from citybrain.nlp.model import TrainConfig

    rows = read_columns(input, [text_col, label_col])
    _train_and_save(rows[text_col], rows[label_col], model, TrainConfig(c=c, target_accuracy=target_accuracy))


def _train_and_save(texts: list[str], labels: list[str], path: Path, config: TrainConfig) -> None:
    from citybrain.nlp import persistence
    from citybrain.nlp.model import train

    started = time.perf_counter()
    with console.status(f"training on {len(texts):,} messages …"):
        trained = train(texts, labels, config)
    persistence.save(trained, path)
    skipped = len(texts) - trained.info["n_train"]
    console.print(
        f"trained on {trained.info['n_train']:,} messages ({skipped:,} skipped: no text or label), "
        f"{len(trained.labels)} labels, in {time.perf_counter() - started:.1f} s → {path} "
        f"({path.stat().st_size / 1e6:.1f} MB). Out-of-fold accuracy {trained.info['oof_accuracy']:.3f}; "
        f"auto-dispatch threshold {trained.threshold:.2f} (aiming at {config.target_accuracy:.0%} right)."
    )


@app.command("evaluate")
@handle_errors
def evaluate_cmd(
    model: ModelOpt,
    input: InputOpt,
    text_col: TextCol = "text",
    label_col: LabelCol = "label",
    threshold: Annotated[
        float | None, typer.Option("--threshold", help="Confidence below which a human decides (default: model's).")
    ] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the figures as JSON here.")] = None,
    threshold_for_accuracy: Annotated[
        float | None,
        typer.Option(
            "--threshold-for-accuracy",
            min=0.0,
            max=1.0,
            help="Suggest the city's threshold (CITYBRAIN_TRIAGE_CONFIDENCE_THRESHOLD) at which the cases dispatched "
            "automatically are right this often, e.g. 0.95.",
        ),
    ] = None,
) -> None:
    """Measure a model on labelled messages it has not seen: macro-F1, accuracy, per-class report, confusion
    matrix, and accuracy at coverage (how right it is on the share of messages it is most sure of).

    Examples:

        citybrain classify evaluate --model cat.npz --input held_out.csv --text-col text --label-col label

        citybrain classify evaluate --model cat.npz --input held_out.csv --threshold-for-accuracy 0.95
    """
    from citybrain.nlp import persistence, service
    from citybrain.nlp.dataset import read_columns
    from citybrain.nlp.evaluation import evaluate_predictions

    classifier = persistence.load(model)
    rows = read_columns(input, [text_col, label_col])
    keep = [i for i, label in enumerate(rows[label_col]) if label.strip()]
    if not keep:
        raise InvalidInput(f"{input}: no row has a label in column {label_col!r}")
    labels, confidence = service.predict_many(classifier, [rows[text_col][i] for i in keep])
    result = evaluate_predictions(
        [rows[label_col][i].strip() for i in keep],
        labels,
        confidence,
        model_labels=classifier.labels,
        threshold=classifier.threshold if threshold is None else threshold,
        target_accuracy=threshold_for_accuracy,
    )
    _print_evaluation(result)
    if json_out is not None:
        write_whole(json_out, json.dumps(asdict(result), ensure_ascii=False, indent=2) + "\n")


def _print_evaluation(result: Evaluation) -> None:
    console.print(f"[bold]macro-F1 {result.macro_f1:.4f}[/]   accuracy {result.accuracy:.4f}   messages {result.n:,}")
    if result.unknown_labels:
        err_console.print(
            "[yellow]warning:[/] labels the model was never taught (counted as wrong): "
            + ", ".join(result.unknown_labels)
        )
    if result.n_empty:
        err_console.print(f"[yellow]warning:[/] {result.n_empty:,} messages had no text (counted as wrong)")
    per_class = Table("label", "precision", "recall", "F1", "support", title="per class")
    for row in result.classes:
        mark = "" if row.known_to_model else " (unknown to model)"
        per_class.add_row(
            row.label + mark, f"{row.precision:.3f}", f"{row.recall:.3f}", f"{row.f1:.3f}", str(row.support)
        )
    console.print(per_class)
    confusion = Table("true \\ predicted", *[str(i) for i in range(len(result.classes))], title="confusion matrix")
    for i, row in enumerate(result.classes):
        confusion.add_row(f"{i} {row.label}", *[str(v) for v in result.confusion[i]])
    console.print(confusion)
    coverage = Table("most confident", "accuracy", "min confidence", "messages", title="accuracy at coverage")
    for point in result.coverage:
        coverage.add_row(f"{point.coverage:.0%}", f"{point.accuracy:.3f}", f"{point.min_confidence:.3f}", str(point.n))
    console.print(coverage)
    t = result.threshold
    console.print(
        f"threshold {t.threshold:.2f}: {t.coverage:.1%} dispatched automatically ({t.accuracy:.3f} right), "
        f"the rest ({result.n - t.n_accepted:,}) to the human dispatch queue"
    )
    if result.suggested is not None:
        s = result.suggested
        console.print(
            f"suggested threshold 建议阈值 {s.threshold:.3f}: {s.coverage:.1%} dispatched automatically, "
            f"{s.accuracy:.3f} of them right → CITYBRAIN_TRIAGE_CONFIDENCE_THRESHOLD={s.threshold:.3f}"
        )


@app.command("predict")
@handle_errors
def predict_cmd(
    model: ModelOpt,
    input: InputOpt,
    output: Annotated[Path, typer.Option("--output", "-o", help="CSV to write: id,label,confidence.")],
    text_col: TextCol = "text",
    id_col: Annotated[str, typer.Option("--id-col", help="Column identifying each message.")] = "id",
    jobs: Annotated[int, typer.Option("--jobs", help="Processes to use for large files (0 = one per CPU).")] = 0,
) -> None:
    """Label messages and write ``id,label,confidence`` (confidence = calibrated probability of the label).

    A message without text gets an empty label and confidence 0: a person must read it.

    Example:

        citybrain classify predict --model cat.npz --input new.csv --text-col text --id-col id --output labels.csv
    """
    from citybrain.nlp import persistence, service
    from citybrain.nlp.dataset import read_columns

    classifier = persistence.load(model)
    rows = read_columns(input, [id_col, text_col])
    started = time.perf_counter()
    labels, confidence = service.predict_many(classifier, rows[text_col], jobs=jobs)
    elapsed = time.perf_counter() - started
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["id", "label", "confidence"])
        writer.writerows(zip(rows[id_col], labels, (f"{c:.4f}" for c in confidence), strict=True))
    low = int((confidence < classifier.threshold).sum())
    console.print(
        f"{len(labels):,} messages labelled in {elapsed:.2f} s → {output}; {low:,} below the threshold "
        f"{classifier.threshold:.2f} should go to a person (empty text: {labels.count(''):,})"
    )


@app.command("correct")
@handle_errors
def correct_cmd(
    text: Annotated[str, typer.Option("--text", help="The message text.")],
    label: Annotated[str, typer.Option("--label", help="The label an operator says is right.")],
    source: Annotated[str, typer.Option("--source", help="Where it came from, e.g. a case id.")] = "",
    corrections: Annotated[Path | None, typer.Option("--corrections", help="Corrections CSV.")] = None,
) -> None:
    """Record an operator's correction (改派) for the next `classify retrain`.

    Example:

        citybrain classify correct --text "小区电梯坏了三天" --label 城乡建设 --source case-1234
    """
    from citybrain.core.settings import load_settings
    from citybrain.nlp import service

    path = corrections or service.corrections_path(load_settings().data_dir)
    service.add_correction(path, text=text, label=label, source=source)
    console.print(f"correction recorded in {path}")


@app.command("retrain")
@handle_errors
def retrain_cmd(
    input: InputOpt,
    model: ModelOpt,
    text_col: TextCol = "text",
    label_col: LabelCol = "label",
    corrections: Annotated[
        Path | None,
        typer.Option("--corrections", help="Corrections CSV (default: <data_dir>/classify/corrections.csv)."),
    ] = None,
    desk: Annotated[
        bool, typer.Option("--desk/--no-desk", help="Learn from the desk's decisions kept in the database.")
    ] = True,
    c: Annotated[float, typer.Option("--c", help="SVM regularisation.")] = 2.0,
    tolerance: Annotated[
        float,
        typer.Option("--tolerance", min=0.0, max=1.0, help="Install when held-back macro-F1 is at most this worse."),
    ] = 0.01,
    min_held_back: Annotated[
        int, typer.Option("--min-held-back", min=1, help="Refuse to compare on fewer held-back examples.")
    ] = 30,
    json_out: Annotated[bool, typer.Option("--json", help="Print the decision as JSON.")] = False,
) -> None:
    """Learn from the desk: train a candidate on the labelled history plus the dispatchers' decisions (and the
    corrections file), score it and the running model on the same held-back desk examples (one in five, chosen
    by the message text, never trained on), and install it only if it is not worse. The running model is kept
    as <name>.previous.npz; the decision and both scores are appended to <name>.history.jsonl.

    Examples:

        citybrain classify retrain --input messages_train_full.csv --model var/classify/model.npz

        citybrain classify retrain --input messages_train_full.csv --model cat.npz --no-desk --json
    """
    from citybrain.core.settings import load_settings
    from citybrain.nlp import retraining, service
    from citybrain.nlp.dataset import read_columns
    from citybrain.nlp.model import TrainConfig

    examples = _desk_examples() if desk else []
    path = corrections or service.corrections_path(load_settings().data_dir)
    examples += [retraining.Example(t, lab, "classify correct") for t, lab in service.read_corrections(path)]
    rows = read_columns(input, [text_col, label_col])
    with console.status(f"training a candidate with {len(examples):,} desk examples …"):
        decision = retraining.retrain(
            model_path=model,
            base_texts=rows[text_col],
            base_labels=rows[label_col],
            examples=examples,
            config=TrainConfig(c=c),
            tolerance=tolerance,
            min_held_back=min_held_back,
        )
    if json_out:
        typer.echo(json.dumps(asdict(decision), ensure_ascii=False, indent=2))
        return
    console.print(
        f"{decision.examples:,} desk examples: {decision.examples_learned:,} learned, {decision.held_back:,} held "
        f"back; candidate trained on {decision.train_rows:,} messages in {decision.train_seconds:.1f} s"
    )
    table = Table("model", "held-back macro-F1", "accuracy", title="held-back desk examples")
    table.add_row("running", f"{decision.running.macro_f1:.4f}", f"{decision.running.accuracy:.4f}")
    table.add_row("candidate", f"{decision.candidate.macro_f1:.4f}", f"{decision.candidate.accuracy:.4f}")
    console.print(table)
    console.print(("[green]" if decision.installed else "[yellow]") + decision.reason + "[/]")


def _desk_examples() -> list[Any]:
    from citybrain.cli.common import open_database
    from citybrain.triage import learning

    with open_database() as db, db.reading() as session:
        return list(learning.examples(session))


@app.command("history")
@handle_errors
def history_cmd(
    model: ModelOpt,
    json_out: Annotated[bool, typer.Option("--json", help="Print the records as JSON.")] = False,
) -> None:
    """The model's past retrain decisions (both scores, installed or not) and rollbacks, oldest first.

    Example:

        citybrain classify history --model var/classify/model.npz
    """
    from citybrain.nlp import retraining

    records = retraining.read_history(model)
    if json_out:
        typer.echo(json.dumps(records, ensure_ascii=False, indent=2))
        return
    if not records:
        console.print(f"no retrain recorded for {model} yet")
        return
    table = Table("at", "action", "installed", "running F1", "candidate F1", "held back", "examples", "train s")
    for r in records:
        if r.get("action") == "rollback":
            table.add_row(str(r.get("at")), "rollback", "", "", "", "", "", "")
            continue
        table.add_row(
            str(r.get("at")),
            "retrain",
            "yes" if r.get("installed") else "no",
            f"{r['running']['macro_f1']:.4f}",
            f"{r['candidate']['macro_f1']:.4f}",
            str(r.get("held_back")),
            str(r.get("examples")),
            str(r.get("train_seconds")),
        )
    console.print(table)


@app.command("rollback")
@handle_errors
def rollback_cmd(model: ModelOpt) -> None:
    """Put back the model a retrain replaced (<name>.previous.npz); the replaced one becomes the previous, so a
    second rollback undoes the first. Intake notices the file within a second.

    Example:

        citybrain classify rollback --model var/classify/model.npz
    """
    from citybrain.nlp import retraining

    record = retraining.rollback(model)
    console.print(f"rolled back: {model} is again the model created at {record['restored_created_at']}")
