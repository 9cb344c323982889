"""One module per subcommand; each has ``register(subparsers)`` that sets ``func`` on its parser.
:data:`COMMANDS` lists them in ``obskit --help`` order."""

COMMANDS = ("build", "check", "status", "backtest", "test", "routes", "explain", "diff", "apply", "import_", "export", "init", "report", "grafana_standin")
