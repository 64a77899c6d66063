"""The KServe v2 gRPC frontend: translates protobuf to data-plane calls and back."""
