from custview.cli import main

main()
