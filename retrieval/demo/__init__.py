"""The generated demo: a clearly fictional catalogue (invented artists, real genre words, genre-typical audio
features) and four demo listeners, so Segue runs on a fresh machine with no data and no network.

    catalogue.py  the catalogue (`build_demo_catalogue`); genres.py per-genre profiles; names.py name makers
    history.py    the demo listeners' streaming histories; install.py puts both into a data home
"""
