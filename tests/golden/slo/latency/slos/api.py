from obskit import SLO, presets

fast = SLO(service="api", name="latency-1s", objective=99.0,
           sli=presets.prometheus_client_http_latency(1, {"job": "api"}))
quick = SLO(service="api", name="latency-250ms", objective=95.0,
            sli=presets.prometheus_client_http_latency(0.25, {"job": "api"}))
