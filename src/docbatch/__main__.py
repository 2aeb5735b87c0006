from docbatch.cli import main

main()
