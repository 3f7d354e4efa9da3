"""The test document set of issue 17: documents with known answers, and their questions.

Small, stable API (the bench, the end-to-end tests and the screenshots use it)::

    from bench.docs_set import make_docset, load_questions, is_answered
    paths = make_docset(folder)            # writes the twelve documents
    for q in load_questions():             # questions.toml
        ... q.text, q.lang, q.doc, q.page, q.answers, q.cross
        is_answered(answer_text, q)        # an accepted key string is in the text
"""

from bench.docs_set.make_docset import make_docset
from bench.docs_set.questions import Question, is_answered, load_questions, normalise

__all__ = ["Question", "is_answered", "load_questions", "make_docset", "normalise"]
