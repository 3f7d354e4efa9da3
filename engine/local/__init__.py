"""This PC and llama.cpp: the inference worker (the only process that runs llama.cpp),
its protocol and client, the CPU backend choice and self-test, the llama.cpp adapter,
the routing trace, the safe N per model, the machine snapshot.
"""
