"""Allow ``python -m pmcpost``."""

from pmcpost.cli import main

if __name__ == "__main__":
    main()
