"""The request service: from a member's words to a queued job.

Words are parsed (:mod:`bot.parsing`) into a :class:`~bot.service.spec.RequestSpec`, turned into a
song plan (:mod:`~bot.service.planning`), checked against the server's limits and queued as a job
(:mod:`~bot.service.requests`); jam sessions live in :mod:`~bot.service.sessions`.
"""
