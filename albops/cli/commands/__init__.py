"""One module per `albops` command: its arguments (``add_parser``) beside the code that runs it (``run``)."""
