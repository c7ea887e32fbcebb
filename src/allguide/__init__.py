"""allguide: cited answers and deterministic rule tools over the 2015 NCCN ALL guideline.

Importing the package pins every library it uses to offline, telemetry-free behaviour
before any of them is imported.
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
}
for _key, _value in _OFFLINE_ENV.items():
    os.environ.setdefault(_key, _value)

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
