"""The web door: the application and its routes, pages, the websocket endpoint, guards."""
