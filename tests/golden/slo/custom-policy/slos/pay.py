from obskit import SLO, AlertingPolicy, BurnWindow, RatioSLI, Tier

checkout = SLO(
    service="payments", name="checkout", objective=99.95, alert_name="PaymentsCheckoutBurn",
    sli=RatioSLI(total='payments_total', errors='payments_failed_total'),
    alerting=AlertingPolicy(
        page=Tier(name="page", severity="sev1", windows=(BurnWindow(long="1h", short="5m", factor=10),)),
        ticket=None, min_events=50, absent_for=None),
)
