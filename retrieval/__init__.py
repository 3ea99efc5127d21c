"""Segue retrieval: tracks, vectors, indexes, listening history, taste, candidates and ranking.

This package never imports `assistant`; it takes plain filters (boolean masks, small specs).
"""
