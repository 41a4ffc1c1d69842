"""Sub-commands of ``refundflow`` for service_commands (filled in by their issue)."""
