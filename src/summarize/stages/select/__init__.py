"""Stage 4a: choose sentences within the word budget.

``selectors`` (the selectors of ``conf/selector``), ``baselines`` (published baselines, the
sumy ones and the oracle) and ``budget`` (filling a word budget, shared by both).
"""
