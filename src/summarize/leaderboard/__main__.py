from summarize.leaderboard.cli import main

main()
