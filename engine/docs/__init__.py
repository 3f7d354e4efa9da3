"""Answers from the site's own documents (issue 17): sources, extraction, index, retrieval.

Module map (one concept each):

* ``model.py``     the plain data all parts share: pages, passages, sources, skip reasons.
* ``sources.py``   which folders are indexed: policy ``docs.folders``, installed document packs
                   (:mod:`disk.doc_packs`), the operator's own folders where policy allows.
* ``extract.py``   a file to pages of text: PDF (pypdfium2), DOCX (python-docx), Markdown, text,
                   HTML; or a :class:`~engine.docs.model.DocumentSkippedError` with its reason.
* ``terms.py``     the one text normalisation for index and query (NFKC, case, CJK bigrams).
* ``chunk.py``     a page of text into passages of 500–800 characters at paragraph/sentence ends.
* ``index.py``     the SQLite FTS5 index with BM25: incremental by content hash, search.
* ``index_job.py`` an index update in a child process (a pdfium crash never reaches the caller).
* ``grounding.py`` passages into the prompt within a token budget, and the instructions.
* ``render.py``    one PDF page as an image, for the window's source viewer.

Nothing here imports Qt; the window runs indexing and search on its own threads.
"""
