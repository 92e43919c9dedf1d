"""Command line entry point: ``python -m summarize`` with Hydra overrides.

Exit statuses (for cron, systemd and monitoring): 0 every cluster has a briefing; 1 some
clusters failed (each is recorded in the manifest with its reason); 2 a usage mistake, found
before any cluster runs; 75 another run holds the output folder (nothing was touched; try
later); 130 / 143 interrupted by Ctrl-C / SIGTERM (the folder is resumable: run again).
"""

from __future__ import annotations

import importlib
import logging
import os
import re
import sys
import traceback
from pathlib import Path

import hydra
import omegaconf
from hydra import compose, initialize_config_dir
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from summarize.config import register_configs, register_resolvers
from summarize.data import InputError
from summarize.params import BUDGET_WORDS, FEED_ENTRIES, FEED_NIGHTS, ParameterError, check_value
from summarize.run.catchup import CatchupError, prepare_catchup
from summarize.run.driver import Interrupted, Runner, disk_full, input_path
from summarize.run.manifest import Manifest, now
from summarize.run.store import FolderBusy, is_disk_full, write_json
from summarize.stages.rewrite.base import looks_like_path

log = logging.getLogger("summarize")

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_DISK_FULL = 74
"""The disk filled (sysexits' EX_IOERR): what was briefed stays valid; the same command resumes
once space is freed."""
EXIT_BUSY = 75
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143
LOG_NAME = "summarize.log"
STAGES = (
    "cleaner",
    "splitter",
    "embedder",
    "dedup",
    "selector",
    "orderer",
    "rewriter",
    "update",
    "focus",
    "executor",
)
RENAMED_GROUPS = {"runner": "executor"}
"""Config groups renamed since an earlier release (old name: new name). The old spelling still
works, with a warning, so that users' cron lines and scripts do not break."""
_GROUP_OVERRIDE = re.compile(r"^(?P<sign>[+~]{0,2})(?P<group>[A-Za-z_]+)(?P<rest>[.=@].*)?$", re.S)
_started = False


class UsageError(Exception):
    """A mistake in the command line or configuration; the message says what to pass."""


def compose_config(*overrides: str) -> DictConfig:
    """The configuration ``python -m summarize`` builds, with its command-line overrides: for
    scripts and tests that run the stages from Python (``run.worker.build_summarizer(cfg)``)."""
    with initialize_config_dir(config_dir=_config_dir(), version_base="1.3"):
        return compose(config_name="config", overrides=renamed_overrides(overrides))


def renamed_overrides(overrides: list[str] | tuple[str, ...]) -> list[str]:
    """The overrides with every renamed config group in its new spelling (``runner=processes``
    becomes ``executor=processes``, ``runner.workers=4`` ``executor.workers=4``), each change
    announced by one line on stderr that names the new spelling."""
    respelled = []
    for override in overrides:
        match = _GROUP_OVERRIDE.match(override)
        new_name = RENAMED_GROUPS.get(match["group"]) if match else None
        if new_name is None:
            respelled.append(override)
            continue
        new = f"{match['sign']}{new_name}{match['rest'] or ''}"
        print(f"summarize: '{override}' is deprecated, write '{new}'", file=sys.stderr)
        respelled.append(new)
    return respelled


def _config_dir() -> str:
    """``conf/`` inside an installed wheel, else the source checkout's top-level ``conf/``.

    An absolute path, so that Hydra finds it whatever the working directory.
    """
    for candidate in (Path(__file__).parent / "conf", Path(__file__).resolve().parents[2] / "conf"):
        if (candidate / "config.yaml").is_file():
            return str(candidate)
    raise RuntimeError("summarize: cannot find its conf/ folder; reinstall the package")


def check_config(cfg: DictConfig) -> None:
    """Refuses the usual mistakes before any work, with the key to fix and what to pass."""
    missing = sorted(OmegaConf.missing_keys(cfg))
    if missing:
        key = missing[0]
        raise UsageError(f"{key} is required: pass {key}=...")
    path = input_path(cfg)
    if not path.exists():
        raise UsageError(
            f"input.path={cfg.input.path}: no such file or folder; give a .jsonl file, a folder "
            "of cluster folders, or a folder of articles"
        )
    if not (path.is_dir() or path.is_file()):
        raise UsageError(
            f"input.path={cfg.input.path}: not a regular file or folder (a pipe or a device?)"
        )
    try:
        check_value("budget.words", cfg.budget.words, BUDGET_WORDS)
        check_value("output.feed.nights", cfg.output.feed.nights, FEED_NIGHTS)
        check_value("output.feed.entries", cfg.output.feed.entries, FEED_ENTRIES)
    except ParameterError as error:
        raise UsageError(str(error)) from None
    rewriter = cfg.get("rewriter") or {}
    model = rewriter.get("model") if hasattr(rewriter, "get") else None
    if isinstance(model, str) and looks_like_path(model) and not Path(model).expanduser().exists():
        raise UsageError(f"rewriter.model={model}: no such file or folder")
    for stage in STAGES:
        node = cfg.get(stage)
        if node is None:
            continue
        try:
            built = instantiate(node)
            if hasattr(built, "check_reachable"):  # a served model: is anyone there?
                built.check_reachable()
        except Exception as error:
            if not _bad_configuration(error):
                raise  # a bug in a stage, not the user's mistake: keep its traceback
            raise UsageError(f"{stage}: {_innermost(error)}") from None


def _innermost(error: BaseException) -> BaseException:
    while error.__cause__ is not None:
        error = error.__cause__
    return error


_CONFIG_MACHINERY = tuple(
    str(Path(module.__file__).parent) for module in (hydra, omegaconf, importlib)
)


def _bad_configuration(error: BaseException) -> bool:
    """Whether building a stage failed on its configuration rather than in the stage's code.

    A stage refuses a bad value with ``ParameterError`` (and unusable input with
    ``InputError``). Everything else is a bug, except what fails before any stage code runs:
    an error raised entirely inside Hydra, OmegaConf or the import system, such as a
    ``_target_`` that names no class or a key the constructor has no argument for.
    """
    cause = _innermost(error)
    if isinstance(cause, (ParameterError, InputError)):
        return True
    frames = traceback.extract_tb(cause.__traceback__)
    return all(
        frame.filename.startswith(_CONFIG_MACHINERY) or frame.filename.startswith("<frozen ")
        for frame in frames
    )


def _record_hydra_files(folder: Path, cfg: DictConfig) -> None:
    """What Hydra would save in ``.hydra/``, written only once the run holds the folder."""
    hydra_cfg = HydraConfig.get()
    target = folder / ".hydra"
    target.mkdir(parents=True, exist_ok=True)
    for name, node in (
        ("config.yaml", cfg),
        ("hydra.yaml", OmegaConf.create({"hydra": hydra_cfg})),
        ("overrides.yaml", hydra_cfg.overrides.task),
    ):
        (target / name).write_text(OmegaConf.to_yaml(node), encoding="utf-8")


class _RunLog(logging.FileHandler):
    """``summarize.log`` in the output folder, best effort: on a full disk the lines that do
    not fit are dropped (the console has them) instead of each printing a traceback."""

    def handleError(self, record: logging.LogRecord) -> None:
        if not is_disk_full(sys.exc_info()[1]):
            super().handleError(record)


def _attach_log_file(folder: Path) -> logging.Handler:
    handler = _RunLog(folder / LOG_NAME, encoding="utf-8")
    handler.setFormatter(logging.Formatter("[%(asctime)s][%(name)s][%(levelname)s] %(message)s"))
    logging.getLogger().addHandler(handler)
    return handler


register_configs()
register_resolvers()


@hydra.main(version_base="1.3", config_path=_config_dir(), config_name="config")
def _hydra_main(cfg: DictConfig) -> int:
    global _started
    _started = True
    multirun = HydraConfig.get().mode == RunMode.MULTIRUN
    try:
        prepare_catchup(cfg)  # experiment=catchup: its input, made from the archive
        check_config(cfg)
    except (UsageError, CatchupError) as error:
        print(f"summarize: {error}", file=sys.stderr)
        if not multirun:
            sys.exit(EXIT_USAGE)
        # In a sweep the job's folder says why it did not run, for the leaderboard.
        folder = Path(cfg.output.dir)
        _record_hydra_files(folder, cfg)
        Manifest(status="failed", started=now(), error=f"usage: {error}").write(folder)
        return EXIT_USAGE
    handlers: list[logging.Handler] = []

    def on_locked(folder: Path) -> None:
        _record_hydra_files(folder, cfg)
        handlers.append(_attach_log_file(folder))

    status = 0
    try:
        report = Runner(cfg, on_locked=on_locked).run()
    except FolderBusy as error:
        print(f"summarize: {error}", file=sys.stderr)
        status = EXIT_BUSY
    except (KeyboardInterrupt, Interrupted) as error:
        signal_name = "SIGTERM" if isinstance(error, Interrupted) else "Ctrl-C"
        print(
            f"summarize: interrupted ({signal_name}); run the same command again to finish",
            file=sys.stderr,
        )
        status = EXIT_TERMINATED if isinstance(error, Interrupted) else EXIT_INTERRUPTED
    except Exception as error:  # in a sweep Hydra would re-raise it and skip the leaderboard
        if is_disk_full(error):  # in a run or a sweep alike: one line, no traceback
            print(f"summarize: {disk_full(error)}", file=sys.stderr)
            status = EXIT_DISK_FULL
        elif not multirun:
            raise
        else:
            log.exception("job failed")
            manifest = Path(cfg.output.dir) / "manifest.json"
            if not manifest.exists():
                error_text = f"{type(error).__name__}: {error}"
                write_json(manifest, {"status": "failed", "error": error_text})
            status = EXIT_FAILED
    else:
        status = _print_report(report)
    finally:
        for handler in handlers:
            logging.getLogger().removeHandler(handler)
            handler.close()
    if status and not multirun:
        sys.exit(status)
    return status


def _print_report(report) -> int:
    counts = report.manifest.counts
    print(
        f"summarize: {counts.succeeded} briefing(s) in {report.output_dir} "
        f"({counts.done} written, {counts.skipped} complete already, {counts.failed} failed)"
    )
    metrics = report.metrics.get("mean") if report.metrics else None
    if metrics:
        print(
            "summarize: ROUGE F1 over {n} clusters: "
            "R1 {r1:.2f}  R2 {r2:.2f}  RLsum {rl:.2f}".format(
                n=report.metrics["clusters_scored"],
                r1=metrics.get("rouge1_f", float("nan")),
                r2=metrics.get("rouge2_f", float("nan")),
                rl=metrics.get("rougeLsum_f", float("nan")),
            )
        )
    if report.failed:
        print(
            f"summarize: {report.failed} cluster(s) failed; see "
            f"{report.output_dir / 'manifest.json'}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    return 0


def _route_output_dir(argv: list[str]) -> list[str]:
    """``output.dir=X`` also names Hydra's run folder, so ``.hydra/`` and the log land in X.

    (In a sweep each job keeps its own folder under the sweep directory.)
    """
    if any(arg in ("-m", "--multirun") for arg in argv):
        return argv
    chosen = [a.split("=", 1)[1] for a in argv if a.startswith("output.dir=")]
    if chosen and not any(a.startswith("hydra.run.dir=") for a in argv):
        return [*argv, f"hydra.run.dir={chosen[-1]}"]
    return argv


def _renamed_arguments(argv: list[str]) -> list[str]:
    """``renamed_overrides`` for the overrides of a command line, its options left alone."""
    return [arg if arg.startswith("-") else renamed_overrides([arg])[0] for arg in argv]


QUIET_LIBRARIES = {"TRANSFORMERS_VERBOSITY": "error", "HF_HUB_DISABLE_PROGRESS_BARS": "1"}
"""Model libraries log and draw progress bars on every load; an operator's log wants neither."""


def main(argv: list[str] | None = None) -> None:
    """``python -m summarize ARGS``; ``argv`` (default ``sys.argv[1:]``) lets tests and scripts
    run the same command in their own process. Exits with one of the statuses above."""
    global _started
    _started = False
    for name, value in QUIET_LIBRARIES.items():
        os.environ.setdefault(name, value)
    arguments = sys.argv[1:] if argv is None else list(argv)
    sys.argv = [sys.argv[0], *_route_output_dir(_renamed_arguments(arguments))]
    try:
        _hydra_main()
    except SystemExit as exit_:
        # Hydra exits with 1 on a configuration it cannot compose: a usage mistake.
        if exit_.code == 1 and not _started:
            sys.exit(EXIT_USAGE)
        raise


if __name__ == "__main__":
    main()
