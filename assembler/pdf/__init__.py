"""Stage 5: the PDFs made ready, stamped and merged into a pack."""
