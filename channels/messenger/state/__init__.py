"""What the connector remembers between messages and across replicas: the store (SQL,
memory or Redis), what it keeps per customer, and the factory that picks the store."""
