"""The web application: FastAPI app, request dependencies, error responses."""
