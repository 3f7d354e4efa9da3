"""The remote OpenAI-compatible server: the HTTP client, the SSE wire format, the one
network state (offline, proxy, CA, deadline) and the keyring credentials.
"""
