"""``albops cutover``: move a host's DNS from one load balancer to another by weighted Route 53 records, with gates."""
