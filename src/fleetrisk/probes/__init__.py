"""Live verification: check declared controls against a running deployment.

The pieces, from the ground up: ``config`` (strict YAML input), ``scope`` (what may be
touched, how fast, for how long), ``secrets`` (test identities), ``targets`` (endpoint URLs),
the probes (``mqtt``, ``tls``, ``http``, ``tuf_audit``, ``tuf_client``), ``plan`` (which probes
run where) and ``runner`` (runs a plan and returns evidence checks).
"""

DEFAULT_SECRETS_FILE = "fleetrisk-secrets.yaml"  # read from the working directory when present
