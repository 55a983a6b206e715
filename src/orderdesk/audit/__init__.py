"""The audit trail: who was shown which patient's data, and who was refused, append-only."""
