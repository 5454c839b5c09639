"""A local stand-in for Facebook: a fake Graph API and a Messenger-like chat page."""
