"""Finding passages: BM25, dense (Chroma) and their reciprocal-rank fusion."""
