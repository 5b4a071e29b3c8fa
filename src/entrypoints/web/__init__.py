"""The REST API: `entrypoints.web.app.create_app(container)`."""
