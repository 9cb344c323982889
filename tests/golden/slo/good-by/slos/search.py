from obskit import SLO, RatioSLI

success = SLO(
    service="search", name="success", objective=99.5, period="28d", labels={"team": "search"},
    sli=RatioSLI(total='requests_total{app="search"}', good='requests_total{app="search",outcome="ok"}',
                 by=("region",)),
)
