from custview.cli.app import main

main()
