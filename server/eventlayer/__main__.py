from eventlayer.cli import main

main()
