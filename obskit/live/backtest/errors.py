"""The backtest's one error: bad input (an unknown SLO, bad times, an unreadable incidents file),
raised with a message that names the file and line where there is one (the CLI exits 2)."""
from __future__ import annotations


class BacktestError(ValueError):
    """Input the backtest cannot use; ``str()`` is the whole message."""
