"""The one way Kassa starts on this machine: the local stack (``make demo``, the
integration tests) and the production-shaped cluster (``make cluster``), with one local
environment."""
