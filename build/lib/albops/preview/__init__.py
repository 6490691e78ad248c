"""The offline plan: the real program under Pulumi's mock runtime, its cloud facts, files, diff and comment."""
