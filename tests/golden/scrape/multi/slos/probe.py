from obskit import SLO, AvailabilitySLI

probe = SLO(service="homepage", name="probe", objective=99.5,
            sli=AvailabilitySLI(gauge='probe_success{job="blackbox",instance="https://example.com"}'))
