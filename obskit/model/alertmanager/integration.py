"""The base of every receiver integration (:class:`Integration`: its Alertmanager YAML key, the
version that added it and each field, which fields are secrets) and what the integrations share: the
URL check that refuses credentials written literally, and the default title and text of the chat
integrations. The integrations are in :mod:`.receivers` and :mod:`.chat`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import ClassVar, Dict, Optional, Tuple
from urllib.parse import parse_qsl, urlsplit

from obskit.location import Location
from obskit.model.alertmanager.secrets import Secret
from obskit.model.base import Problems, locate


_RECEIVER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_TOKENISH = re.compile(r"(token|key|secret|password|passwd|sig|signature|auth)", re.I)
_SLACK_HOOK = re.compile(r"hooks\.slack\.com/services/", re.I)


def _fmt_version(v: Tuple[int, int]) -> str:
    return f"{v[0]}.{v[1]}"


# -- the default notification of the chat integrations (Slack, Teams, Rocket.Chat, Mattermost) -----
# Written into an integration's title/text when the definition leaves them unset, so that a message
# says what is wrong and where to act: the group's status and summary, then each alert's summary,
# description, runbook and dashboard (the annotations obskit writes on SLO alerts; hand-written alerts
# have summary, description and runbook_url too). Inline templates, not a template file: the
# AlertmanagerConfig resource cannot carry files. Only Go template builtins and functions of
# Alertmanager 0.25 (toUpper, join); tests/test_alert_annotations_render.py renders them with amtool.

#: ``[FIRING:2] <common summary, or the group's label values>``
CHAT_TITLE = ('[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] '
              '{{ if .CommonAnnotations.summary }}{{ .CommonAnnotations.summary }}'
              '{{ else }}{{ .GroupLabels.SortedPairs.Values | join " " }}{{ end }}')
#: one block per alert: summary (else the alert name), description, runbook, dashboard
CHAT_TEXT = ('{{ range .Alerts }}{{ if eq .Status "resolved" }}[RESOLVED] {{ end }}'
             '{{ if .Annotations.summary }}{{ .Annotations.summary }}{{ else }}{{ .Labels.alertname }}{{ end }}\n'
             '{{ with .Annotations.description }}{{ . }}\n{{ end }}'
             '{{ with .Annotations.runbook_url }}Runbook: {{ . }}\n{{ end }}'
             '{{ with .Annotations.dashboard_url }}Dashboard: {{ . }}\n{{ end }}'
             '\n{{ end }}')
CHAT_DEFAULTS = {"title": CHAT_TITLE, "text": CHAT_TEXT}


@dataclass(frozen=True, kw_only=True, eq=False)
class Integration:
    """Base of one notification integration in a receiver."""

    KIND: ClassVar[str] = ""            # Alertmanager key, e.g. "slack_configs"
    LABEL: ClassVar[str] = ""           # human name, e.g. "Slack"
    SINCE: ClassVar[Tuple[int, int]] = (0, 25)
    SECRETS: ClassVar[Tuple[str, ...]] = ()
    #: fields only some versions accept: field → (version that added it)
    FIELD_SINCE: ClassVar[Dict[str, Tuple[int, int]]] = {}
    #: why a field needs its version, when it is not plain: field → note
    FIELD_NOTE: ClassVar[Dict[str, str]] = {}
    RENAMES: ClassVar[Dict[str, str]] = {"from_": "from", "class_": "class"}
    #: notification templates written for fields left unset (chat integrations: title and text)
    DEFAULTS: ClassVar[Dict[str, str]] = {}

    send_resolved: Optional[bool] = None
    location: Location = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        p = Problems(f"{self.LABEL} integration", locate(self))
        for name in self.SECRETS:
            value = getattr(self, name)
            if value is None or isinstance(value, Secret):
                continue
            if isinstance(value, str):
                p.add("literal-secret", f"{name} is a secret and must not be written in the definition",
                      hint=f"use {name}=Secret(name='<k8s secret>', key='<key>'); it renders {name}_file")
            else:
                p.add("bad-secret", f"{name} must be a Secret(name=..., key=...), got {value!r}")
        if self.send_resolved is not None and not isinstance(self.send_resolved, bool):
            p.add("bad-field", f"send_resolved must be True or False, got {self.send_resolved!r}")
        self._check(p)
        p.done()

    def _check(self, p: Problems) -> None:  # subclasses add their checks
        pass

    def _require_one(self, p: Problems, a: str, b: str) -> None:
        if (getattr(self, a) is None) == (getattr(self, b) is None):
            p.add("bad-field", f"give exactly one of {a}= or {b}=")

    def items(self) -> Tuple[Tuple[str, object], ...]:
        """(Alertmanager field name, value) in declaration order, unset fields left out.
        Secret values stay :class:`Secret` objects: the renderer turns them into ``<name>_file``."""
        return self._items({})

    def notification_items(self) -> Tuple[Tuple[str, object], ...]:
        """What obskit writes: :meth:`items`, with :attr:`DEFAULTS` for the template fields left unset
        (the chat integrations' title and text)."""
        return self._items(self.DEFAULTS) if self.DEFAULTS else self.items()

    def _items(self, defaults: Dict[str, str]) -> Tuple[Tuple[str, object], ...]:
        out = []
        for f in fields(self):
            if f.name in ("location",) or not f.init:
                continue
            value = getattr(self, f.name)
            if value is None and f.name in defaults:
                value = defaults[f.name]
            if value is None or value == () or value == {}:
                continue
            out.append((self.RENAMES.get(f.name, f.name), value))
        # send_resolved first in the base class: put it last, where Alertmanager docs list it
        out.sort(key=lambda kv: kv[0] == "send_resolved")
        return tuple(out)

    def since_fields(self) -> Tuple[Tuple[str, Tuple[int, int]], ...]:
        """Fields set here that a newer Alertmanager added."""
        return tuple((n, v) for n, v in self.FIELD_SINCE.items() if getattr(self, n, None) not in (None, (), {}))


def _check_url(p: Problems, name: str, value, secret_hint: str = "") -> None:
    if value is None:
        return
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        p.add("bad-url", f"{name} {value!r} must be an http(s) URL")
        return
    parts = urlsplit(value)
    if parts.password or any(_TOKENISH.search(k) for k, _ in parse_qsl(parts.query)) or _SLACK_HOOK.search(value):
        p.add("literal-secret", f"{name} {value!r} carries a credential; it must not be written in the definition",
              hint=secret_hint or "move it into a Secret")
