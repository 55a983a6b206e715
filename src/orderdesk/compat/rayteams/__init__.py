"""RAYTeams platform API (seed 000), under /compat/rayteams/v1.0."""
