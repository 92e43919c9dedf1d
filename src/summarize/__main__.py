from summarize.app import main

main()
