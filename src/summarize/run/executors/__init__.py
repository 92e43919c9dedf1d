"""Where clusters are summarized (``executor`` config group): ``local`` (this process),
``processes`` (worker processes on this machine), ``ray`` (Ray actors); ``base`` holds the
``Executor`` protocol and the pool supervision the last two share.

Deliberately empty, so that a worker process imports only the backend it runs.
"""
