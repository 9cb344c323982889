"""Ceph's 58 published alerts (Debian's ceph-prometheus-alerts) through obskit's lint.

Before the lint followed Go's template scoping, 6 of them got false ``template-label-missing``
errors: ``.Labels.x`` inside ``{{ range query "..." }}`` is the query sample's label, not the alert's.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import ceph_files
from obskit.interop.prometheus_rules import parse_rules
from obskit.lint import lint
from obskit.project import Project, Settings

#: cephadm's prometheus.yml: ``global: scrape_interval: 10s, evaluation_interval: 10s`` (the deployment
#: these rules are written for)
CEPHADM = Settings(scrape_interval=10, evaluation_interval=10)

#: At obskit's default scrape interval (1m), the two network alerts' rate(...[1m]) see at most one
#: sample most of the time and return nothing: a real finding for a project scraping every minute.
AT_ONE_MINUTE = {
    ("rate-range-too-short", "CephNodeNetworkPacketDrops"): 4,   # receive/transmit drops and packets
    ("rate-range-too-short", "CephNodeNetworkPacketErrors"): 4,  # receive/transmit errors and packets
}


def _ceph(settings: Settings):
    source, groups, diags = parse_rules(ceph_files.alerts())
    assert diags == []
    project = Project(root=Path("/"), settings=settings, definitions=tuple(groups))
    return source, groups, lint(project)


def test_ceph_rules_read_as_published():
    source, groups, _ = _ceph(CEPHADM)
    assert len(source.groups) == 13 and len(groups) == 13
    assert sum(len(g.rules) for g in groups) == 58
    assert {a.severity for g in groups for a in g.rules} == {"critical", "warning"}


def test_ceph_rules_lint_clean_at_cephadms_scrape_interval():
    """No error and no warning: every template reads labels its query keeps (range/with scoping)."""
    *_, found = _ceph(CEPHADM)
    assert [str(d) for d in found] == []


def test_ceph_rules_at_the_default_scrape_interval_only_flag_one_minute_rates():
    *_, found = _ceph(Settings())
    got = Counter((d.code, d.obj.split("'")[1]) for d in found)
    assert got == Counter(AT_ONE_MINUTE)
    assert all(d.severity == "error" and "[1m]" in d.message for d in found)
    assert not [d for d in found if d.code == "template-label-missing"]
