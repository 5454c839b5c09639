"""The intents of payment events. Only the paypal channel sends them, as Rasa
external events; nobody types them and NLU has no examples of them."""

PAYMENT_APPROVED = "payment_approved"
PAYMENT_CANCELLED = "payment_cancelled"
PAYMENT_UPDATE = "payment_update"
PAYMENT_REQUESTED = "payment_requested"
# Not a payment, but told the same way: the merchant shipped the order (or made it ready).
ORDER_SHIPPED = "order_shipped"
EXTERNAL_INTENTS = (PAYMENT_APPROVED, PAYMENT_CANCELLED, PAYMENT_UPDATE, PAYMENT_REQUESTED, ORDER_SHIPPED)
