from lifeexp_cli.cli.main import main

main()
