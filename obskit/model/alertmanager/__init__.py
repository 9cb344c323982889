"""Alertmanager configuration as typed definitions: route tree, receivers, inhibition, time
intervals, templates, and routing tests."""
from obskit.model.alertmanager.config import Alertmanager, GlobalConfig, Template
from obskit.model.alertmanager.inhibit import Inhibit
from obskit.model.alertmanager.matchers import Matcher
from obskit.model.alertmanager.receivers import (
    Email, Incidentio, Integration, Jira, Mattermost, MSTeams, MSTeamsV2, Opsgenie, PagerDuty, Receiver, RocketChat, Slack, Webhook,
)
from obskit.model.alertmanager.route import Route
from obskit.model.alertmanager.route_test import RouteTest
from obskit.model.alertmanager.secrets import Secret
from obskit.model.alertmanager.time_intervals import Period, TimeInterval, business_hours

__all__ = ["Alertmanager", "GlobalConfig", "Template", "Inhibit", "Matcher", "Integration", "Email", "Incidentio", "Jira", "Mattermost",
           "MSTeams", "MSTeamsV2", "Opsgenie", "PagerDuty", "Receiver", "RocketChat", "Slack", "Webhook",
           "Route", "RouteTest", "Secret", "Period", "TimeInterval", "business_hours"]
