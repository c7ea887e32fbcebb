"""Serve the allguide web UI: `python app.py` is the same as `allguide serve`."""

from __future__ import annotations

from allguide.assistant import Assistant
from allguide.ui import serve

if __name__ == "__main__":
    serve(Assistant())
