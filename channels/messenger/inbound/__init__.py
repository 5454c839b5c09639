"""Messenger webhooks in: signature, the front door, the durable intake and the Page
Inbox commands."""
