"""Serving: KServe v2 gRPC and REST frontends over one data plane."""

# pipeserve.errors imports pipeserve.graphs.timestamp, whose package imports pipeserve.errors:
# importing the graphs package first keeps `import pipeserve.server.x` working on its own.
import pipeserve.graphs  # noqa: F401
