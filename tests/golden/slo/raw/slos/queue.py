from obskit import SLO, RawSLI

freshness = SLO(service="queue", name="freshness", objective=99.0, period="7d",
                sli=RawSLI(error_ratio='1 - avg_over_time(queue:fresh:bool[$window])'))
