"""The application: Flask app, REST API, pages, CLI, configuration and wiring."""
