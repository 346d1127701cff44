from lifeexp_cli.cli import main

main()
