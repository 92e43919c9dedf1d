"""The leaderboard's options and the experiments that pin a multirun, without running one
(the sweeps themselves are in tests/e2e/test_sweeps.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir

from summarize.cli import _config_dir
from summarize.leaderboard import LeaderboardCallback


def test_experiments_pin_a_multirun() -> None:
    selectors = {p.stem for p in (Path(_config_dir()) / "selector").glob("*.yaml")}
    with initialize_config_dir(config_dir=_config_dir(), version_base="1.3"):
        cfg = compose(
            "config", overrides=["experiment=compare_selectors_duc"], return_hydra_config=True
        )
    assert cfg.hydra.mode.name == "MULTIRUN"
    swept = cfg.hydra.sweeper.params.selector.split(",")
    assert set(swept) <= selectors
    assert {"sumy_lexrank", "sumy_textrank", "sumy_lsa", "sumy_kl", "oracle", "lead"} <= set(swept)
    assert cfg.hydra.callbacks.leaderboard.rank_by == "rouge2_r"
    assert cfg.budget.words == 250


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"rank_by": "bleu"}, "unknown measure 'bleu'"),
        ({"metrics": ["rouge1_f", "rouge3_f"]}, "unknown measure 'rouge3_f'"),
        ({"test": "t-test"}, "test must be"),
        ({"confidence": 95}, "confidence must be between 0 and 1"),
        ({"alpha": 0.0}, "alpha must be between 0 and 1"),
        ({"resamples": 0}, "resamples must be positive"),
    ],
)
def test_bad_options_are_refused_when_the_callback_is_built(options, message) -> None:
    with pytest.raises(ValueError, match=message):
        LeaderboardCallback(**options)


def test_unknown_option_is_refused_and_hydra_keys_ignored() -> None:
    with pytest.raises(TypeError, match="unknown leaderboard option"):
        LeaderboardCallback(rank=3)
    callback = LeaderboardCallback(_target_="summarize.leaderboard.LeaderboardCallback")
    assert callback.options.metrics == ("rouge1_f", "rouge2_f", "rougeLsum_f")
