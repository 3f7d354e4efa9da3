"""Model files: inspection and validation, the store (import, pull), the catalogue,
the current-model pointer, who may use which model, and the default model's build.
"""
