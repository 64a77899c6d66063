"""The KServe v2 REST frontend (FastAPI): JSON, SSE and JSON-lines over one data plane."""
