"""Sub-commands of ``refundflow`` for notify_commands (filled in by their issue)."""
