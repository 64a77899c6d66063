"""Serving: KServe v2 gRPC and REST frontends over one data plane."""
