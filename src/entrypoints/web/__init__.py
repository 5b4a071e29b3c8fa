"""The REST API of SPEC section 6: `entrypoints.web.app.create_app(container)`."""
