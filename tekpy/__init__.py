"""tekpy: Tekton Pipelines in Python, and the asyncio controller library it stands on."""

__version__ = "0.1.0"
