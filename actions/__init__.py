"""Kassa's action server: what ``rasa run actions`` loads. Thin Rasa actions per concern
that read the tracker, call the shop's rules (``shop``) and send the replies.

Loading this package is the action server's start, so the start-up checks run here.
"""

from shop.startup import check_server

check_server()
