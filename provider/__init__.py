"""The Pulumi plugin package that hosts the components for other languages (see __main__.py)."""
