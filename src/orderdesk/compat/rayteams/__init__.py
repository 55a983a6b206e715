"""RAYTeams platform API (seed 000), under /compat/rayteams/v1.0.

Describes every order: its order object (status, product, subject, memo, workflow) fits any;
an order with no product or no patient has ``product`` / ``subject`` null.
"""
