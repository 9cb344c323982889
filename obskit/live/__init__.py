"""Talking to a live Prometheus: the shared connection (:mod:`obskit.live.connection`) and what the
commands ask it (status: budgets, burn rates, firing alerts and rule drift; check: every selector
against the server's real series).

Nothing here is imported by the build: a project builds and verifies with no server at all."""
