"""IAM documents shipped with the project, one file per controller release.

The controller's permissions change between releases (new describe calls, new
tag conditions), so the policy is chosen by the exact controller version the
stack deploys rather than kept as one "latest" document that silently drifts.
"""
