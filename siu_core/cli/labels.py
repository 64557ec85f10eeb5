"""``siu labels eval``: measure a labeler on the labeled evaluation set (accuracy, urgent recall, cost).

``--labeler rules`` runs offline on any machine. ``--labeler bedrock`` calls the model with the
operator's AWS credentials (``--model`` picks another model to compare: Claude Haiku 4.5, Amazon
Nova Micro or Lite...); ``--cassettes DIR --record`` keeps those calls as vcrpy cassettes, and
``--cassettes DIR`` alone replays them offline, with no credentials. Exit codes: 0 measured;
1 the labeler could not run (no credentials, no recorded answers, unreadable set); 2 usage error.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import click

LABELERS = ("rules", "bedrock")


@click.group("labels")
def labels() -> None:
    """Measure the labeler on the labeled evaluation set."""


def _fail(message: str) -> None:
    click.echo(f"siu labels eval: {message}", err=True)
    raise SystemExit(1)


def _credentials_present() -> bool:
    """Whether boto3 finds AWS credentials (environment, profile, SSO, instance role)."""
    import boto3

    return boto3.session.Session().get_credentials() is not None


def cassette_name(model_id: str) -> str:
    """The cassette file of one model's evaluation calls."""
    return "eval-" + re.sub(r"[^A-Za-z0-9._-]+", "_", model_id) + ".yaml"


@labels.command("eval")
@click.option("--labeler", "kind", type=click.Choice(LABELERS), default="rules", show_default=True,
              help="rules: keywords and local language detection (offline). bedrock: the model.")
@click.option("--model", "model_id", default=None, metavar="ID",
              help="Bedrock model id or inference profile (default: the config's model_id).")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Config YAML whose taxonomy to use (default: the example config the set is "
                                 "written for).")
@click.option("--set", "set_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="An evaluation set (JSONL) instead of the shipped one.")
@click.option("--cassettes", "cassette_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Replay the bedrock calls recorded in DIR (offline); with --record, record them there.")
@click.option("--record", is_flag=True, help="With --cassettes: call the model and record the calls.")
@click.option("--region", default=None, help="AWS region of the model (default: the AWS configuration's).")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
def evaluate(kind: str, model_id: str | None, config_path: Path | None, set_path: Path | None,
             cassette_dir: Path | None, record: bool, region: str | None, as_json: bool) -> None:
    """Label the evaluation set and print accuracy per field, urgent recall and cost per 1,000 messages."""
    from siu_core.config import example_config, load_config_file
    from siu_core.errors import ConfigError
    from siu_core.labeling import evaluate as ev

    if kind == "rules" and (model_id or cassette_dir or record):
        raise click.UsageError("--model, --cassettes and --record apply to --labeler bedrock only")
    if record and cassette_dir is None:
        raise click.UsageError("--record needs --cassettes DIR (where to keep the calls)")
    try:
        config = load_config_file(config_path) if config_path else example_config()
        items = ev.load_set(set_path)
    except (ConfigError, ev.EvalSetError) as exc:
        _fail(str(exc))
    missing = ev.check_taxonomy(items, config.taxonomy)
    if missing:
        raise click.UsageError(f"the set expects topics the config's taxonomy lacks: {', '.join(missing)}")
    if kind == "rules":
        from siu_core.labeling.rules import RuleLabeler

        found, usage = _run(RuleLabeler.from_config(config), items, as_json)
        report = ev.score(items, found, labeler="rules", usage=usage)
    else:
        report = _bedrock(config, items, model_id, cassette_dir, record, region, as_json)
    click.echo(json.dumps(report.as_json(), indent=2) if as_json else ev.render(report))


def _run(labeler: Any, items: list[Any], quiet: bool) -> tuple[list[Any], Any]:
    """Label the set, with a progress bar on the terminal (never in --json output)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from siu_core.labeling import evaluate as ev

    if quiet:
        return ev.label_set(labeler, items)
    from rich.console import Console

    columns = (TextColumn("labeling"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    console = Console(stderr=True)  # stdout carries only the figures
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as progress:
        task = progress.add_task("labeling", total=len(items))
        return ev.label_set(labeler, items, lambda n: progress.advance(task, n))


def _bedrock(config: Any, items: list[Any], model_id: str | None, cassette_dir: Path | None, record: bool,
             region: str | None, quiet: bool) -> Any:
    import contextlib

    from siu_core.labeling import evaluate as ev
    from siu_core.labeling.bedrock import BedrockLabeler
    from siu_core.labeling.contract import bedrock_client, bedrock_vcr
    from siu_core.labeling.prompt import PromptSpec
    from siu_core.labeling.rules import RuleLabeler

    spec = PromptSpec.from_config(config, model_id=model_id)
    cassette = cassette_name(spec.model_id)
    replaying = cassette_dir is not None and not record
    if replaying:
        assert cassette_dir is not None
        if not (cassette_dir / cassette).is_file():
            _fail(f"no recorded answers for {spec.model_id} ({cassette_dir / cassette}); record them with "
                  "--record and AWS credentials")
        client = bedrock_client(region or "ap-southeast-1")  # placeholder credentials: replay needs none
    else:
        if not _credentials_present():
            _fail("--labeler bedrock needs AWS credentials (none found) or recorded answers (--cassettes DIR)")
        import boto3
        from botocore.config import Config

        client = boto3.client("bedrock-runtime", region_name=region,
                              config=Config(retries={"total_max_attempts": 1, "mode": "standard"},
                                            read_timeout=30))
    # One call at a time while a cassette is open: vcrpy is not thread-safe (see labeling.contract).
    workers = 1 if cassette_dir is not None else 4
    labeler = BedrockLabeler(spec, RuleLabeler.from_config(config), client=client, max_workers=workers,
                             strict=replaying, budget_seconds=120.0, read_timeout=30.0)
    scope: contextlib.AbstractContextManager[Any] = contextlib.nullcontext()
    if cassette_dir is not None:
        cassette_dir.mkdir(parents=True, exist_ok=True)
        scope = bedrock_vcr(cassette_dir, record_mode="new_episodes" if record else "none").use_cassette(cassette)
    try:
        with scope:
            found, usage = _run(labeler, items, quiet)
    except Exception as exc:  # strict replay: a request the cassette does not hold
        _fail(f"replay of {cassette} failed ({type(exc).__name__}): was it recorded with this set and prompt?")
    if usage.fallbacks == len(items):
        _fail(f"every label fell back to the rules: {spec.model_id} gave no usable answer (access? region?)")
    return ev.score(items, found, labeler=labeler.name, model_id=spec.model_id, output_mode=spec.mode, usage=usage)
