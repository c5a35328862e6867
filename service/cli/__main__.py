"""``python -m service.cli``: the ``newsprism`` command."""
from service.cli import main

main()
