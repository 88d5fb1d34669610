"""The job runtime: how a job runs.

A :class:`~bot.runtime.jobs.RenderJob` is put in the durable :mod:`~bot.runtime.queue`, picked
fairly by the :mod:`~bot.runtime.scheduler`, and run by an executor: long-lived worker
subprocesses (:mod:`~bot.runtime.pool`, each running :mod:`~bot.runtime.worker` and speaking
:mod:`~bot.runtime.protocol`), in-process (:mod:`~bot.runtime.local_executor`), or Ray actors
(:mod:`~bot.runtime.ray_executor`). Every executor calls the same
:mod:`~bot.runtime.pipeline` (backend → stitch → master → encode → clip store).

The runtime never imports the request service (:mod:`bot.service`); it knows jobs, not words.
"""
