"""The chat integrations (Slack, Microsoft Teams in both forms, Rocket.Chat, Mattermost): each fills
an unset title and text with obskit's default notification (:data:`~.integration.CHAT_TITLE`,
:data:`~.integration.CHAT_TEXT`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Tuple

from obskit.model.alertmanager.integration import CHAT_DEFAULTS, CHAT_TEXT, CHAT_TITLE, Integration, _check_url
from obskit.model.alertmanager.secrets import Secret
from obskit.model.base import Problems


@dataclass(frozen=True, kw_only=True, eq=False)
class Slack(Integration):
    KIND, LABEL = "slack_configs", "Slack"
    DEFAULTS = CHAT_DEFAULTS
    SECRETS = ("api_url",)
    api_url: Optional[Secret] = None          # default: the global slack_api_url
    channel: Optional[str] = None
    username: Optional[str] = None
    title: Optional[str] = None
    title_link: Optional[str] = None
    text: Optional[str] = None
    color: Optional[str] = None
    icon_emoji: Optional[str] = None

    def _check(self, p: Problems) -> None:
        if self.channel is not None and not (isinstance(self.channel, str) and self.channel.startswith(("#", "@"))):
            p.add("bad-field", f"channel {self.channel!r} must start with '#' or '@'")


@dataclass(frozen=True)
class Section:
    """A nested block of an integration (``http_config: {basic_auth: {...}}``); its Secret values
    render as ``*_file`` like top-level ones."""

    items: Tuple[Tuple[str, object], ...]


@dataclass(frozen=True, kw_only=True, eq=False)
class MSTeams(Integration):
    """Incoming-webhook Teams connector (0.26). Its URL is a secret, read from ``webhook_url_file``,
    which Alertmanager 0.27 added: obskit writes MSTeams for 0.27 and newer."""

    KIND, LABEL, SINCE = "msteams_configs", "Microsoft Teams", (0, 26)
    DEFAULTS = CHAT_DEFAULTS
    SECRETS = ("webhook_url",)
    webhook_url: Optional[Secret] = None
    title: Optional[str] = None
    summary: Optional[str] = None
    text: Optional[str] = None
    FIELD_SINCE = {"webhook_url": (0, 27), "summary": (0, 27)}
    FIELD_NOTE = {"webhook_url": "written as webhook_url_file"}

    def _check(self, p: Problems) -> None:
        if self.webhook_url is None:
            p.add("missing-field", "webhook_url is required (Alertmanager has no global Teams URL)")


@dataclass(frozen=True, kw_only=True, eq=False)
class MSTeamsV2(Integration):
    """Teams through a Power Automate Workflows webhook (0.28)."""

    KIND, LABEL, SINCE = "msteamsv2_configs", "Microsoft Teams (Workflows)", (0, 28)
    DEFAULTS = CHAT_DEFAULTS
    SECRETS = ("webhook_url",)
    webhook_url: Optional[Secret] = None
    title: Optional[str] = None
    text: Optional[str] = None

    def _check(self, p: Problems) -> None:
        if self.webhook_url is None:
            p.add("missing-field", "webhook_url is required (Alertmanager has no global Teams URL)")


@dataclass(frozen=True, kw_only=True, eq=False)
class RocketChat(Integration):
    """Rocket.Chat (0.28): a personal access token and its user id, both Secrets."""

    KIND, LABEL, SINCE = "rocketchat_configs", "Rocket.Chat", (0, 28)
    DEFAULTS = CHAT_DEFAULTS
    SECRETS = ("token", "token_id")
    api_url: Optional[str] = None               # default https://open.rocket.chat
    token: Optional[Secret] = None
    token_id: Optional[Secret] = None
    channel: Optional[str] = None
    color: Optional[str] = None
    title: Optional[str] = None
    title_link: Optional[str] = None
    text: Optional[str] = None
    message_text: Optional[str] = None          # 0.35
    emoji: Optional[str] = None
    icon_url: Optional[str] = None
    image_url: Optional[str] = None
    thumb_url: Optional[str] = None
    short_fields: Optional[bool] = None
    link_names: Optional[bool] = None
    FIELD_SINCE = {"message_text": (0, 35)}

    def _check(self, p: Problems) -> None:
        _check_url(p, "api_url", self.api_url)
        for name in ("token", "token_id"):
            if getattr(self, name) is None:
                p.add("missing-field", f"{name} is required (amtool: no global Rocketchat {name} set)")


@dataclass(frozen=True, kw_only=True, eq=False)
class Mattermost(Integration):
    """Mattermost incoming webhook (0.30). The attachment fields (``title``, ``title_link``,
    ``color``, ``fallback``, ``pretext``) were flattened into the top level in 0.32."""

    KIND, LABEL, SINCE = "mattermost_configs", "Mattermost", (0, 30)
    DEFAULTS = {"text": CHAT_TITLE + "\n" + CHAT_TEXT}   # title: 0.32
    SECRETS = ("webhook_url",)
    webhook_url: Optional[Secret] = None
    channel: Optional[str] = None
    username: Optional[str] = None
    text: Optional[str] = None
    icon_url: Optional[str] = None
    icon_emoji: Optional[str] = None
    title: Optional[str] = None
    title_link: Optional[str] = None
    color: Optional[str] = None
    fallback: Optional[str] = None
    pretext: Optional[str] = None
    FIELD_SINCE = {n: (0, 32) for n in ("title", "title_link", "color", "fallback", "pretext")}

    def _check(self, p: Problems) -> None:
        if self.webhook_url is None:
            p.add("missing-field", "webhook_url is required (amtool: missing webhook_url or webhook_url_file)")
