"""Which Prometheus version added what obskit can emit in ``prometheus.yml``.

``Settings.prometheus_version`` names the oldest Prometheus the output must load in; anything newer
is refused with the version that added it (checked per project, see
:func:`obskit.compile.prometheus_config.check_project`).
"""
from __future__ import annotations

import re
from typing import Tuple

Version = Tuple[int, int]

#: relabel actions and the Prometheus release that added them (the others exist since 2.0).
RELABEL_ACTION_SINCE = {
    "lowercase": (2, 36),
    "uppercase": (2, 36),
    "keepequal": (2, 41),
    "dropequal": (2, 41),
}

#: scrape-config fields newer than the oldest supported target (2.42).
SCRAPE_FIELD_SINCE = {
    "keep_dropped_targets": (2, 47),
}


#: remote_write fields newer than 2.42: the Remote-Write 2.0 message choice came with 2.54
#: (prometheus/prometheus#14335); promtool 2.42 refuses it ("field protobuf_message not found").
REMOTE_WRITE_FIELD_SINCE = {
    "protobuf_message": (2, 54),
}

#: queue_config fields newer than 2.42 (``sample_age_limit``: 2.50; promtool 2.42 refuses it).
QUEUE_FIELD_SINCE = {
    "sample_age_limit": (2, 50),
}


def parse(text: str) -> Version:
    """``"2.42"``, ``"2.42.0"`` or ``"3"`` → ``(2, 42)`` / ``(3, 0)``."""
    m = re.fullmatch(r"\s*v?(\d+)(?:\.(\d+))?(?:\.\d+)?\s*", str(text))
    if not m:
        raise ValueError(f"not a Prometheus version: {text!r} (write it like '2.42' or '3.0')")
    return int(m.group(1)), int(m.group(2) or 0)


def fmt(version: Version) -> str:
    return f"{version[0]}.{version[1]}"
