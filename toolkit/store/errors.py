"""The round store's exceptions: work that cannot go on, each with a stable code.

Problems in a received file are not exceptions: they are issues of its check, or a
refusal (``Receipt.outcome == "refused"``) with a reason code. An exception here means
the request itself cannot be carried out (an unknown round, a transition the lifecycle
does not allow, a store that does not match its database).
"""

from __future__ import annotations


class StoreError(Exception):
    """``code`` is a stable English slug; the message is Chinese, for people."""

    usage = False  # True: the caller asked for something that does not exist (CLI exit 2)

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class NotFound(StoreError):
    """An unknown data folder, round, unit or version."""

    usage = True


class TransitionRefused(StoreError):
    """The lifecycle does not allow this action on this version now."""


class IntegrityProblem(StoreError):
    """A stored original is missing or does not match its SHA-256, or a re-check differs."""
