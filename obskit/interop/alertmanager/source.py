"""Reading ``alertmanager.yml`` for the import: the keys amtool accepts, the conversion context
(where a value was, what was lost or changed) and the value readers that fail with the file:line."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Tuple

from obskit.interop.common import SourceError
from obskit.interop.findings import Finding
from obskit.interop.yamlsrc import Mapping, Sequence as YSeq, is_null


TOP_KEYS = ("global", "route", "receivers", "inhibit_rules", "time_intervals", "mute_time_intervals", "templates")
ROUTE_KEYS = ("receiver", "group_by", "matchers", "match", "match_re", "continue", "group_wait", "group_interval",
              "repeat_interval", "mute_time_intervals", "active_time_intervals", "routes")
INHIBIT_KEYS = ("source_matchers", "target_matchers", "source_match", "source_match_re", "target_match",
                "target_match_re", "equal")
PERIOD_KEYS = ("times", "weekdays", "days_of_month", "months", "years", "location")
#: Alertmanager's defaults for the fields obskit would fill with its own templates
AM_DEFAULT_TEMPLATES = {
    "slack_configs": "slack", "msteams_configs": "msteams", "msteamsv2_configs": "msteamsv2",
    "rocketchat_configs": "rocketchat",
}
_GLOBAL_FIELDS = ("resolve_timeout", "smtp_smarthost", "smtp_from", "smtp_auth_username", "smtp_auth_password",
                  "smtp_require_tls", "slack_api_url", "opsgenie_api_key", "pagerduty_url")


def _k8s(text: str) -> str:
    slug = re.sub(r"[^a-z0-9.-]+", "-", text.lower()).strip("-.") or "alertmanager"
    return slug[:253]


def _key(text: str) -> str:
    return re.sub(r"[^-._a-zA-Z0-9]+", "-", text).strip("-") or "value"


@dataclass
class _Ctx:
    path: str
    label: str
    findings: List[Finding]

    def at(self, line: int) -> str:
        return f"{self.label}:{line}"

    def lost(self, subject: str, message: str) -> None:
        self.findings.append(Finding(self.label, subject, "lost", message))

    def changed(self, subject: str, message: str) -> None:
        self.findings.append(Finding(self.label, subject, "changed", message))

    def fail(self, line: int, message: str) -> SourceError:
        return SourceError(f"{self.path}:{line}: {message}")


def _bool(ctx: _Ctx, value, line: int, what: str) -> bool:
    text = str(value).lower()
    if text not in ("true", "false"):
        raise ctx.fail(line, f"{what} must be true or false, got {value!r}")
    return text == "true"


def _strs(ctx: _Ctx, value, line: int, what: str) -> Tuple[str, ...]:
    if is_null(value):
        return ()
    if isinstance(value, YSeq):
        out = []
        for v in value:
            if isinstance(v, (Mapping, YSeq)):
                raise ctx.fail(line, f"{what} entries must be strings")
            out.append(str(v))
        return tuple(out)
    if isinstance(value, Mapping):
        raise ctx.fail(line, f"{what} must be a list of strings")
    return (str(value),)


def _mapping(ctx: _Ctx, value, line: int, what: str) -> Mapping:
    if is_null(value):
        m = Mapping()
        m.line, m.key_lines = line, {}
        return m
    if not isinstance(value, Mapping):
        raise ctx.fail(line, f"{what} must be a mapping")
    return value


def _unknown(ctx: _Ctx, d: Mapping, known, what: str) -> None:
    for k in d:
        if k not in known:
            raise ctx.fail(d.line_of(k), f"field {k} not found in {what} (amtool check-config refuses it)")


def _legacy_matchers(d: Mapping, eq_key: str, re_key: str) -> List[str]:
    from obskit.model.alertmanager.matchers import Matcher
    out = []
    for key, op in ((eq_key, "="), (re_key, "=~")):
        for name, value in (d.get(key) or {}).items() if isinstance(d.get(key), Mapping) else ():
            out.append(str(Matcher(str(name), op, "" if is_null(value) else str(value))))
    return out
