"""Pulumi components of the stack, one per concern, plus the validated settings."""
