"""Dashboard and folder UIDs: stable, derived from names, at most 40 characters of ``[a-z0-9-]``.

``uid_from_name("LLM Gateway - Overview")`` is ``llm-gateway-overview``. A name whose slug is longer
than 40 characters is cut and given a hash suffix of the *whole* name, so two long names sharing a
prefix still get different UIDs, and the same name always gets the same UID.

In the model because a :class:`~obskit.model.dashboards.Dashboard` checks a uid given to it and
knows its own; the compile layer names folders and generated dashboards with the same function.
"""
from __future__ import annotations

import hashlib
import re

#: Grafana's limit on a uid's length
DASHBOARD_UID_MAX = 40
DERIVED_UID = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
#: What Grafana accepts for a uid given explicitly (kept so existing links keep working).
GRAFANA_UID = re.compile(r"^[a-zA-Z0-9_-]{1,40}$")
_HASH_LEN = 8


def _hash(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8")).hexdigest()[:_HASH_LEN]


def uid_from_name(name: str) -> str:
    """A stable uid for ``name`` (≤ 40 characters of ``[a-z0-9-]``, never empty)."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if not slug:
        return f"d-{_hash(name)}"
    if len(slug) <= DASHBOARD_UID_MAX:
        return slug
    head = slug[: DASHBOARD_UID_MAX - _HASH_LEN - 1].rstrip("-")
    return f"{head}-{_hash(name)}"


def explicit_uid_problem(uid: object) -> str:
    """Why an explicitly given uid cannot be used ('' when it can)."""
    if not isinstance(uid, str) or not GRAFANA_UID.match(uid):
        return (f"uid {uid!r} must be 1-{DASHBOARD_UID_MAX} characters of letters, digits, '-' or '_' "
                f"(Grafana's rule); e.g. {uid_from_name(str(uid))!r}")
    return ""
