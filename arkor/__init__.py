"""arkor: fine-tune open-weight LLMs from code."""

from arkor._version import __version__

__all__ = ["__version__"]
