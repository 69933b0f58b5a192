"""The three tabs (Current Project, Machine-Wide, Terminal) and the dialogs."""
