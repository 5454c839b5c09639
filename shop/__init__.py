"""The shop's rules: catalog, finding products, cart, money, payment methods, PayPal and
the order ledger. No Rasa, no web server, and nothing runs on import: the actions and
the channels call into this package, never the other way round."""
