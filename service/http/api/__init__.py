"""HTTP API v1: one blueprint per resource, views of a few lines that call the pipeline."""
