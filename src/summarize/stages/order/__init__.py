"""Stage 4b: put the chosen sentences in reading order.

``order`` (the orderers of ``conf/orderer``) and ``context`` (which sentences need an earlier
one of their article to make sense, shared with the pipeline and dedup).
"""
