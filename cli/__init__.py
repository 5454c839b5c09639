"""The operator's command, ``kassa``: orders, refunds, payment requests and the Page's
Messenger settings. Each subcommand talks to a running Kassa or to Facebook over HTTP."""
