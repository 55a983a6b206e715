"""Orders, their lines, notes, tracking numbers and timeline."""
