"""Kassa's paypal channel; register ``channels.paypal.PayPalInput`` in credentials.yml."""

from channels.paypal.connector import PayPalInput

__all__ = ["PayPalInput"]
