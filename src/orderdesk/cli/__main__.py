from orderdesk.cli import app

app()
