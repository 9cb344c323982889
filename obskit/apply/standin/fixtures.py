"""Build-output fixtures for tests and benchmarks: dashboard models and ``OUT_DIR/grafana/`` in
the layout the dashboards target writes (what ``obskit diff``/``apply`` read)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Optional

def dashboard(uid: str, title: str, panels: int = 1, **extra: Any) -> Dict[str, Any]:
    d = {"uid": uid, "title": title, "schemaVersion": 42, "tags": ["slo"], "timezone": "browser",
         "panels": [{"id": i + 1, "type": "timeseries", "title": f"panel {i + 1}",
                     "gridPos": {"x": 0, "y": i * 8, "w": 24, "h": 8},
                     "datasource": {"type": "prometheus", "uid": "${datasource}"},
                     "targets": [{"refId": "A", "expr": f"sum(rate(http_requests_total[5m])) * {i + 1}"}]}
                    for i in range(panels)],
         "templating": {"list": [{"name": "datasource", "type": "datasource", "query": "prometheus"}]},
         "time": {"from": "now-6h", "to": "now"}}
    d.update(extra)
    return d


def write_output(out: "Path | str", folders: Dict[str, str], dashboards: Dict[str, List[Dict[str, Any]]],
                 datasources: Optional[List[Dict[str, Any]]] = None) -> Path:
    """Write ``OUT_DIR/grafana/...``: ``folders`` uid -> title, ``dashboards`` folder uid -> models."""
    import shutil
    import yaml
    out = Path(out)
    root = out / "grafana"
    if root.exists():
        shutil.rmtree(root)
    (root / "dashboards").mkdir(parents=True)
    (root / "folders.json").write_text(json.dumps(
        [{"uid": u, "title": t} for u, t in sorted(folders.items())], indent=2) + "\n")
    for fuid, models in dashboards.items():
        d = root / "dashboards" / fuid
        d.mkdir(parents=True, exist_ok=True)
        for m in models:
            (d / f"{m['uid']}.json").write_text(json.dumps(m, indent=2, sort_keys=True) + "\n")
    if datasources is not None:
        p = root / "provisioning" / "datasources"
        p.mkdir(parents=True)
        (p / "obskit.yaml").write_text(yaml.safe_dump({"apiVersion": 1, "datasources": datasources}, sort_keys=False))
    return out

