"""Every option in ``conf/`` composes with the primary config and builds its stage, cheaply.

Like lightning-hydra-template's config tests: each stage group's YAML files and each
experiment's sweep are composed through Hydra and instantiated. Building must not load a model
(models load on first use), and every stage must pickle, because jobs and workers receive them.
"""

from __future__ import annotations

import importlib.util
import pickle
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from summarize.cli import _renamed_arguments, compose_config, renamed_overrides
from summarize.config import register_configs

CONF = Path(__file__).resolve().parents[2] / "conf"

STAGE_METHODS = {
    "cleaner": "clean",
    "splitter": "split",
    "embedder": "encode",
    "dedup": "transform",
    "selector": "select",
    "orderer": "order",
    "rewriter": "rewrite",
    "update": "transform",
    "focus": "weigh",
    "disagree": "find",
    "evaluation": "score",
    "executor": "map",
}
MODEL_REQUIRED = "/nonexistent/model"
"""For options whose ``model`` is ``???``: a path that cannot load, so loading would show."""


def _options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF / group).glob("*.yaml"))


def _compose(tmp_path: Path, overrides: list[str]) -> DictConfig:
    """The configuration ``python -m summarize`` would run, hydra node included and set."""
    register_configs()
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        cfg = compose(
            config_name="config",
            overrides=[
                f"output.dir={tmp_path / 'out'}",
                f"hydra.sweep.dir={tmp_path / 'sweep'}",
                *overrides,
            ],
            return_hydra_config=True,
        )
    HydraConfig.instance().set_config(cfg)
    for group in STAGE_METHODS:
        node = cfg.get(group)
        if isinstance(node, DictConfig) and OmegaConf.is_missing(node, "model"):
            node.model = MODEL_REQUIRED
    return cfg


def _build_stages(cfg: DictConfig) -> dict[str, object]:
    """Each stage instantiated, checked to be unloaded, usable and picklable."""
    stages = {}
    for group, method in STAGE_METHODS.items():
        node = cfg.get(group)
        if node is None:  # evaluation=none, rewriter off
            continue
        stage = instantiate(node)
        assert callable(getattr(stage, method, None)), f"{group}: {type(stage)} has no {method}"
        for attribute in ("_model", "_session", "_loaded"):
            assert vars(stage).get(attribute) is None, f"{group}: {attribute} loaded"
        pickle.loads(pickle.dumps(stage))
        stages[group] = stage
    return stages


@pytest.fixture(autouse=True)
def _clean_hydra():
    yield
    GlobalHydra.instance().clear()
    HydraConfig.instance().cfg = None


@pytest.mark.parametrize(
    ("group", "option"),
    [(group, option) for group in STAGE_METHODS for option in _options(group)],
)
def test_every_stage_option_composes_and_builds_without_loading(
    group: str, option: str, tmp_path: Path
) -> None:
    if (group, option) == ("executor", "ray") and importlib.util.find_spec("ray") is None:
        pytest.skip("Ray is not installed (pip install -e '.[ray]')")
    cfg = _compose(tmp_path, [f"{group}={option}"])
    stages = _build_stages(cfg)
    if group == "evaluation" and option == "none":
        assert cfg.evaluation is None and "evaluation" not in stages
        return
    target = OmegaConf.load(CONF / group / f"{option}.yaml").get("_target_")
    built = stages[group]
    assert f"{type(built).__module__}.{type(built).__qualname__}" == target
    if getattr(built, "model", None) is not None and cfg[group].get("model") == MODEL_REQUIRED:
        assert built.model == MODEL_REQUIRED  # held as given: nothing tried to read it yet


def _sweep_jobs(cfg: DictConfig) -> list[list[str]]:
    """One override list per job of the experiment's basic sweep (its ``sweeper.params``)."""
    params = cfg.hydra.sweeper.get("params") or {}
    parsed = OverridesParser.create().parse_overrides([f"{k}={v}" for k, v in params.items()])
    jobs: list[list[str]] = [[]]
    for override in parsed:
        key = override.get_key_element()
        values = list(override.sweep_string_iterator())
        jobs = [[*job, f"{key}={value}"] for job in jobs for value in values]
    return jobs


def _job_keys(cfg: DictConfig) -> list[str]:
    return [str(key) for key in cfg if key != "hydra"]


@pytest.mark.parametrize("experiment", _options("experiment"))
def test_every_experiment_job_composes_and_builds_without_loading(
    experiment: str, tmp_path: Path
) -> None:
    cfg = _compose(tmp_path, [f"experiment={experiment}"])
    if cfg.hydra.mode is None or cfg.hydra.mode.name != "MULTIRUN":  # a single run (nightly)
        OmegaConf.to_container(OmegaConf.masked_copy(cfg, _job_keys(cfg)), resolve=True)
        assert set(STAGE_METHODS) - {"rewriter"} <= set(_build_stages(cfg))
        return
    jobs = _sweep_jobs(cfg)
    assert len(jobs) >= 2, f"experiment={experiment} sweeps nothing"
    for job in jobs:
        job_cfg = _compose(tmp_path, [f"experiment={experiment}", *job])
        # every interpolation (cache_dir, budget, ...) resolves
        OmegaConf.to_container(OmegaConf.masked_copy(job_cfg, _job_keys(job_cfg)), resolve=True)
        stages = _build_stages(job_cfg)
        assert set(STAGE_METHODS) - {"rewriter"} <= set(stages), job


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("runner=processes", "executor=processes"),
        ("runner.workers=4", "executor.workers=4"),
        ("+runner.address=auto", "+executor.address=auto"),
        ("~runner", "~executor"),
        ("runner=local,processes", "executor=local,processes"),
    ],
)
def test_the_old_runner_group_still_works_with_a_warning_naming_the_new_spelling(
    old: str, new: str, capsys
) -> None:
    assert renamed_overrides([old, "selector=mmr", "run.force=true"]) == [
        new,
        "selector=mmr",
        "run.force=true",
    ]
    warning = capsys.readouterr().err
    assert warning == f"summarize: '{old}' is deprecated, write '{new}'\n"


def test_a_cron_line_with_the_old_runner_group_composes_the_new_executor(tmp_path, capsys):
    cfg = compose_config(
        f"output.dir={tmp_path}", "runner=processes", "runner.workers=4", "runner.timeout_s=60"
    )
    assert "runner" not in cfg
    assert cfg.executor._target_.endswith("processes.ProcessExecutor")
    assert (cfg.executor.workers, cfg.executor.timeout_s) == (4, 60)
    assert capsys.readouterr().err.count("deprecated") == 3
    # the command line's own arguments are respelled the same way, its options left alone
    assert _renamed_arguments(["--cfg", "job", "runner=ray", "-m"]) == [
        "--cfg",
        "job",
        "executor=ray",
        "-m",
    ]


def test_names_that_only_start_like_the_old_group_are_left_alone(capsys):
    kept = ["runners=2", "run.progress=log", "hydra.run.dir=x", "executor=local"]
    assert renamed_overrides(kept) == kept
    assert capsys.readouterr().err == ""
