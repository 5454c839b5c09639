"""Rewrite .env.example and the table of variables in docs/configuration.md from the
lists of shop/settings.py and sandbox/settings.py: `python -m scripts.settings_files`
after adding or changing a variable there."""

from sandbox import settings as sandbox_settings
from shop import settings

ALL_VARIABLES = (*settings.VARIABLES, *sandbox_settings.VARIABLES)

if __name__ == "__main__":
    settings.write_files(ALL_VARIABLES)
    print("wrote .env.example and docs/configuration.md's table of variables")
