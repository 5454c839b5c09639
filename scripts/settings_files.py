"""Rewrite .env.example and the table of variables in docs/configuration.md from the
lists of shop/settings.py, sandbox/settings.py and bench/settings.py: `python -m scripts.settings_files`
after adding or changing a variable there."""

from bench import settings as bench_settings
from sandbox import settings as sandbox_settings
from shop import settings

ALL_VARIABLES = (*settings.VARIABLES, *sandbox_settings.VARIABLES, *bench_settings.VARIABLES)

if __name__ == "__main__":
    settings.write_files(ALL_VARIABLES)
    print("wrote .env.example and docs/configuration.md's table of variables")
