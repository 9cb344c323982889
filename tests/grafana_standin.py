"""The Grafana stand-in for the tests: :mod:`obskit.apply.standin` (shipped as ``obskit grafana-standin``),
re-exported here with the HTTP contract of ``fixtures/grafana-http/openapi-subset.json`` switched on, so
every ``/api`` request the tests make is checked against it."""
from __future__ import annotations

from pathlib import Path

from obskit.apply import standin as _standin
from obskit.apply.standin import (ANNO_FOLDER, ANNO_MANAGED_BY, ANNO_MANAGER_ID, KNOWN_GAPS,  # noqa: F401
                                  RESOURCE_VERSIONS, Contract, Fault, Recorded, dashboard, write_output)

CONTRACT = Path(__file__).resolve().parent / "fixtures" / "grafana-http" / "openapi-subset.json"
_CONTRACT = Contract(CONTRACT)


class GrafanaStandin(_standin.GrafanaStandin):
    def __init__(self, *args, contract=_CONTRACT, **kwargs):
        super().__init__(*args, contract=contract, **kwargs)


def main(argv=None) -> None:
    _standin.main(argv, contract=_CONTRACT)


if __name__ == "__main__":
    main()
