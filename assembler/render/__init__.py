"""Stage 2: each Markdown paper, and the front sheet, rendered into its Word template."""
