"""Stage 3: the Word documents laid out as PDF by LibreOffice, here or on unoserver listeners."""
