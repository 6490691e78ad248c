"""Operations for the AWS Load Balancer Controller stack; every command shares these exit codes."""

EXIT_OK = 0  # success
EXIT_FINDINGS = 1  # violations, drops, resources left
EXIT_BAD_INPUT = 2  # bad input or usage
EXIT_REFUSED = 3  # refused for safety
EXIT_TOOL_MISSING = 4  # a required tool (the Pulumi CLI, git) is missing
