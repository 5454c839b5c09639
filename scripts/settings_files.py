"""Rewrite .env.example and the README's table of variables from actions/settings.py:
`python -m scripts.settings_files` after adding or changing a variable there."""
from actions import settings

if __name__ == "__main__":
    settings.write_files()
    print("wrote .env.example and the README's table of variables from actions/settings.py")
