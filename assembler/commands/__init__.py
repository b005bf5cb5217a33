"""The commands beside build: watch, verify, render (preview), new, templates."""
