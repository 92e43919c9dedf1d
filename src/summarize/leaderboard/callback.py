"""The Hydra callback that writes the leaderboard when a multirun ends."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from summarize.leaderboard.build import build_leaderboard
from summarize.leaderboard.options import LeaderboardOptions

log = logging.getLogger(__name__)


class LeaderboardCallback(Callback):
    """Writes the leaderboard into the sweep folder once every job of a multirun has returned.

    Registered in ``conf/hydra/default.yaml``; its keys are ``LeaderboardOptions``. Programmatic
    use outside Hydra is ``build_leaderboard``; the callback only adds "never fail the sweep"::

        callback = LeaderboardCallback(rank_by="rouge2_r")
        callback.options.metrics  # ('rouge1_f', 'rouge2_f', 'rougeLsum_f', 'rouge2_r')
    """

    def __init__(self, **options: Any) -> None:
        self.options = LeaderboardOptions.from_mapping(options)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(str(config.hydra.sweep.dir))
        try:
            path = build_leaderboard(sweep_dir, self.options)
        except Exception:  # the jobs' results are on disk; never fail the sweep over the table
            log.exception(
                "could not build the leaderboard; rebuild with: python -m summarize.leaderboard %s",
                sweep_dir,
            )
            return
        log.info("leaderboard: %s\n%s", path, path.read_text(encoding="utf-8"))
