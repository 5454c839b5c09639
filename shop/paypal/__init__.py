"""PayPal as the shop sees it: the REST client, order bodies, webhook events and the
checks an order passes before it is captured."""
