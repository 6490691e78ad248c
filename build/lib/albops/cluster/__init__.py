"""Operations on a live account and cluster: the AWS session and tag queries, the Kubernetes API, sweep,
teardown and verify."""
