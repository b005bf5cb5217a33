"""assembler: build council committee agenda packs from report sources."""

__version__ = "0.1.0"
