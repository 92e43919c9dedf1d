"""The batch layer: what runs, where, and what is done.

``driver`` (``Runner``, ``run``: plans, stores and merges), ``worker`` (the per-cluster work,
a leaf that imports nothing from the driver), ``executors/`` (where workers run), ``history``
(update briefings from earlier nights), ``ledger`` and ``progress`` (the driver's books and
what the operator sees), ``store`` (every file a run writes, atomically) and ``manifest``.

Deliberately empty: importing ``summarize.run.worker`` in a spawned worker must not import the
driver.
"""
