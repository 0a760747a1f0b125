"""Hosting: models, endpoint configurations and endpoints, and the runtime that serves them."""
