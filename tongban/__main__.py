import os
import sys


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.settings")
    from django.core.management import execute_from_command_line

    argv = list(argv if argv is not None else sys.argv)
    argv[0] = "tongban" if not argv[0].endswith("manage.py") else argv[0]
    execute_from_command_line(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
