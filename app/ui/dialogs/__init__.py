"""Dialogs: record editors, the reason prompt, the target picker, 关于."""
