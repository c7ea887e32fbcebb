"""allguide: cited answers and deterministic rule tools over the 2015 NCCN ALL guideline.

Importing the package pins every library it uses to offline, telemetry-free behaviour
before any of them is imported. The switches are assigned, not defaulted: a user's
`GRADIO_ANALYTICS_ENABLED=True` or `GRADIO_SHARE=True` cannot turn them back on.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

_OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "GRADIO_SHARE": "False",
    "DO_NOT_TRACK": "1",
    "HF_DATASETS_OFFLINE": "1",
}
# What the environment asked for before it was overridden (`serve` refuses a request to share).
OVERRIDDEN_ENV = {
    key: os.environ[key]
    for key, value in _OFFLINE_ENV.items()
    if os.environ.get(key, value) != value
}
os.environ.update(_OFFLINE_ENV)

if TYPE_CHECKING:
    from allguide.assistant import Assistant

__all__ = ["Assistant", "__version__"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # Lazy: `import allguide` stays cheap (no torch, no chromadb) until the API is used.
    if name == "Assistant":
        from allguide.assistant import Assistant

        return Assistant
    raise AttributeError(name)
