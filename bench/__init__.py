"""`make bench`: what the shop costs per message, through three doors."""
