"""EventLayer: self-hosted, real-time event tracking over persistent WebSocket sessions."""

__version__ = "0.1.0"
