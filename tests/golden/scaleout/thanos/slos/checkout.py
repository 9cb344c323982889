"""Golden case: two SLOs of one service (one namespace), the second with a policy too big for one
group (its alerting chain is split into -sli and -sli-2)."""
from obskit import SLO, AlertingPolicy, BurnWindow, RatioSLI, Tier

availability = SLO(
    service="checkout", name="availability", objective=99.9,
    sli=RatioSLI(total='http_requests_total{job="checkout"}', errors='http_requests_total{job="checkout",code=~"5.."}'),
)

many_windows = SLO(
    service="checkout", name="many-windows", objective=99.5,
    sli=RatioSLI(total='http_requests_total{job="checkout"}', errors='http_requests_total{job="checkout",code=~"5.."}'),
    alerting=AlertingPolicy(
        page=Tier(name="page", severity="critical", windows=tuple(
            BurnWindow(long=f"{h}h", budget_share=0.02 * h) for h in (1, 2, 3, 4, 5, 6, 8))),
        ticket=Tier(name="ticket", severity="warning", windows=tuple(
            BurnWindow(long=f"{d}d", budget_share=0.1) for d in (1, 2, 3)))),
)
