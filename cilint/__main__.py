from cilint.cli import console

console()
