from assembler.cli import run

run()
