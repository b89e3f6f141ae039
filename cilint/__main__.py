from cilint.cli import main

main()
