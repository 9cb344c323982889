from obskit import SLO, presets

availability = SLO(service="api", name="availability", objective=99.9,
                   sli=presets.prometheus_client_http_availability({"job": "api"}))
