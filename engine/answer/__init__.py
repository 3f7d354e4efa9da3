"""One answer's flow: the local run, the remote run and the fallbacks between them,
and prompt sizing and trimming.
"""
