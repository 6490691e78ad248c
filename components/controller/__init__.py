"""The AWS Load Balancer Controller as a public component (see component.py)."""
