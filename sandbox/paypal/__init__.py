"""A local PayPal emulator: OAuth2, Orders v2 and a buyer approval page."""
