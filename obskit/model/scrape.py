"""Prometheus server configuration as code: what users import in ``telemetry/*.py``.

    from obskit.model.scrape import PrometheusConfig, ScrapeConfig, Relabel, kubernetes_pods

The definitions live in :mod:`obskit.model.prometheus_config`; this module is their public face.
"""
from obskit.model.prometheus_config import *  # noqa: F401,F403
from obskit.model.prometheus_config import __all__  # noqa: F401
