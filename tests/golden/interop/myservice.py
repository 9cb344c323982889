"""SLOs of myservice.

Imported from tests/fixtures/sloth/getting-started.yml (Sloth prometheus/v1) by `obskit import`.
This file is now the source of truth: edit it, then `obskit build` and `obskit test`.
"""
from obskit import SLO, AlertingPolicy, BurnWindow, Tier, RatioSLI


requests_availability = SLO(
    service='myservice',
    name='requests-availability',
    objective=99.9,
    description='Common SLO based on availability for HTTP request responses.',
    sli=RatioSLI(
        total='http_request_duration_seconds_count{job="myservice"}',
        errors='http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}',
    ),
    labels={'owner': 'myteam', 'repo': 'myorg/myservice', 'tier': '2'},
    alert_name='MyServiceHighErrorRate',
    alerting=AlertingPolicy(
        page=Tier(
            name='page',
            severity='pageteam',
            windows=(
                BurnWindow(long='1h', short='5m', budget_share=0.02),
                BurnWindow(long='6h', short='30m', budget_share=0.05),
            ),
            labels={'category': 'availability', 'routing_key': 'myteam'},
            annotations={'summary': "High error rate on 'myservice' requests responses"},
        ),
        ticket=Tier(
            name='ticket',
            severity='slack',
            windows=(
                BurnWindow(long='1d', short='2h', budget_share=0.1),
                BurnWindow(long='3d', short='6h', budget_share=0.1),
            ),
            labels={'category': 'availability', 'slack_channel': '#alerts-myteam'},
            annotations={'summary': "High error rate on 'myservice' requests responses"},
        ),
        absent_for='10m',  # obskit addition (Sloth has no missing-SLI alert); None removes it
    ),
)
