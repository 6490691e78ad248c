"""The cluster the controller runs in: an existing one (``access``: read once, its mode detected, a provider
bound to it) or one the stack creates for a short life (``ephemeral``, with pulumi-eks)."""
