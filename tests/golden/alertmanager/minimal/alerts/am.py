from obskit.model.alertmanager import Alertmanager, Receiver, Route, Webhook

am = Alertmanager(
    route=Route(receiver="hook"),
    receivers=[Receiver(name="hook", integrations=[Webhook(url="http://alert-sink.monitoring.svc:8080/alerts")])],
    generated_inhibitions=False,
)
