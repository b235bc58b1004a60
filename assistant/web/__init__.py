"""The web chat: an aiohttp app serving the chat widget page.

The widget talks socket.io straight to Rasa's socketio channel; this app only
serves the page, its static files, ``/health`` and ``/metrics``.
"""
