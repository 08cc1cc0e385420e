"""The API's routes, one module per face of the service; each module exposes ``router``."""
