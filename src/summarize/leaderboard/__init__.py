"""One table that compares the configurations of a sweep, with how sure each difference is.

After ``python -m summarize -m selector=lead,mmr,...`` every job folder holds its
``metrics.json`` (per-cluster ROUGE) and ``manifest.json``. The leaderboard reads them all and
writes ``leaderboard.md``, ``leaderboard.csv`` and ``leaderboard.png`` into the sweep folder:
one row per configuration, bootstrap confidence intervals over clusters, the best configuration
marked and, for every other one, a paired test of its gap to the best. Jobs that failed are rows
too, with their error, so a sweep never silently loses a configuration.

Hydra calls ``LeaderboardCallback.on_multirun_end`` (registered in ``conf/hydra/default.yaml``);
``python -m summarize.leaderboard SWEEP_DIR`` rebuilds the files, e.g. after an interrupted sweep.

The package, one job a module: ``options`` (ranking settings, measure names), ``sweep`` (reading
job folders), ``rank`` (intervals, best, paired tests), ``table`` (Markdown and CSV), ``figure``
(the plot), ``build`` (the three together), ``callback`` (Hydra) and ``cli``.
"""

from summarize.leaderboard.build import build_leaderboard
from summarize.leaderboard.callback import LeaderboardCallback
from summarize.leaderboard.cli import main
from summarize.leaderboard.options import LeaderboardOptions
from summarize.leaderboard.rank import ORACLE_LABEL, Row, rank_jobs
from summarize.leaderboard.sweep import Job, read_jobs

__all__ = [
    "ORACLE_LABEL",
    "Job",
    "LeaderboardCallback",
    "LeaderboardOptions",
    "Row",
    "build_leaderboard",
    "main",
    "rank_jobs",
    "read_jobs",
]
