from gm.cli import app

app()
